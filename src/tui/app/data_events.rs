//! The worker's answers: each `DataEvent` into the state that asked for it (widgets by
//! generation, the open screen's data, the connection, written records and MPIS's answers).

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// One answer from the worker, which arrived at `self.now`.
    pub(super) fn data(&mut self, event: DataEvent) -> Vec<Command> {
        let Now { instant: now, wall } = self.now;
        match event {
            DataEvent::Connection(Ok(())) => {
                if self.connection != Connection::Ok
                    && matches!(self.connection, Connection::Unreachable(_))
                {
                    self.say("database reachable again", false);
                }
                self.connection = Connection::Ok;
            }
            DataEvent::Connection(Err(reason)) => {
                self.connection = Connection::Unreachable(reason);
            }
            DataEvent::Layouts(Ok(layouts)) => {
                // The layout shown before the list changed (its index may move).
                let keep = self.current_layout().map(|l| l.id);
                self.layouts.succeed(layouts, wall, now);
                let index = self.pick_layout(keep);
                return self.show_layout(index);
            }
            DataEvent::Layouts(Err(error)) => {
                self.layouts.fail(error.clone());
                self.say(format!("cannot load layouts: {error}"), true);
                if self.slots.is_empty() {
                    // Still show something useful: the built-in default layout.
                    return self.show_config(default_layouts().remove(0).2);
                }
            }
            DataEvent::Widget {
                slot,
                generation,
                result,
            } => {
                if self
                    .slots
                    .get(slot)
                    .is_some_and(|s| s.generation == generation)
                {
                    match result {
                        Ok(data) => {
                            let mut data = self.widget_loaded(slot, data);
                            if let Some(order) = self.slots[slot].filter.sort {
                                crate::tui::sorting::sort_data(&mut data, order);
                            }
                            self.slots[slot].data.succeed(data, wall, now);
                            self.last_refresh = Some(wall);
                        }
                        Err(error) => {
                            let s = &mut self.slots[slot];
                            s.cursor = None;
                            s.pending_target = None;
                            // The status line carries the last error, naming the widget.
                            let text = format!("{}: {error}", s.kind.title());
                            s.data.fail(error);
                            self.say(text, true);
                        }
                    }
                    return self.rows_arrived(slot);
                }
            }
            DataEvent::RunDetail(result) => {
                if let Screen::RunDetail(state) = &mut self.screen {
                    match result {
                        Ok(detail) if detail.run.run_id == state.run_id => {
                            state.detail.succeed(detail, wall, now)
                        }
                        Ok(_) => {}
                        Err(error) => state.detail.fail(error),
                    }
                }
            }
            DataEvent::Flags(result) => {
                // A drill-in keeps its flag's row current (acknowledged, silenced).
                if let (Screen::FlagDrill(state), Ok(flags)) = (&mut self.screen, &result)
                    && let Some(flag) = flags.iter().find(|f| f.id == state.flag.id)
                {
                    state.flag = flag.clone();
                }
                if let Screen::RedFlags(state) = &mut self.screen {
                    match result {
                        Ok(mut flags) => {
                            if let Some(order) = state.sort {
                                crate::tui::sorting::sort_flags(&mut flags, order);
                            }
                            // The same flag stays selected (by id), or the one asked for.
                            let keep = state.open_on.take().or_else(|| {
                                state
                                    .flags
                                    .value
                                    .as_ref()?
                                    .get(state.selected)
                                    .map(|f| f.id)
                            });
                            if let Some(index) =
                                keep.and_then(|id| flags.iter().position(|f| f.id == id))
                            {
                                state.selected = index;
                            }
                            state.selected = state.selected.min(flags.len().saturating_sub(1));
                            state.flags.succeed(flags, wall, now);
                        }
                        Err(error) => state.flags.fail(error),
                    }
                }
            }
            DataEvent::ActionDone { message, ok } => {
                self.say(message, !ok);
                let mut commands = self.reload_screen();
                commands.extend(self.reload_tables(&["red_flags".to_string()]));
                return commands;
            }
            DataEvent::LayoutSaved(result) => return self.layout_saved(result),
            DataEvent::LayoutRenamed(result) => return self.layout_renamed(result),
            DataEvent::LayoutDeleted(result) => return self.layout_deleted(result),
            DataEvent::Changed(tables) => return self.reload_tables(&tables),
            DataEvent::FlagDrill(result) => self.flag_drill_loaded(result),
            DataEvent::Item(id, result) => self.item_loaded(id, result),
            DataEvent::FlagCondition(result) => self.flag_condition(result),
            DataEvent::OpenFlagCounts(result) => self.open_flag_counts_loaded(result),
            DataEvent::OpenFlags(result) => self.open_flags_loaded(result),
            DataEvent::ChangesMissed => return self.refresh_all(),
            DataEvent::Jobs(result) => return self.jobs_loaded(result),
            DataEvent::JobRuns(job_id, result) => self.job_runs_loaded(job_id, result),
            DataEvent::JobSaved(created, result) => return self.job_saved(created, result),
            DataEvent::JobToggled(result) => return self.job_toggled(result),
            DataEvent::JobDeleted(name, result) => return self.job_deleted(name, result),
            DataEvent::JobRunStarted(job_id, result) => {
                return self.job_run_started(job_id, result);
            }
            DataEvent::JobRunFinished(job_id, result) => {
                return self.job_run_finished(job_id, result);
            }
            DataEvent::Drafts(result) => {
                if let Screen::PublishForm(state) = &mut self.screen {
                    state.drafts_loaded(result, wall, now);
                }
                // A draft id typed before the list came may not be in it.
                return self.check_typed_draft();
            }
            DataEvent::DraftLookedUp(id, result) => {
                if let Screen::PublishForm(state) = &mut self.screen {
                    state.draft_checked(id, result);
                }
            }
            DataEvent::PublishRecordLoaded(id, result) => self.publish_record_loaded(id, result),
            DataEvent::GenesisJobs(result) => return self.genesis_jobs_loaded(result, wall, now),
            DataEvent::PublishTargets(result) => {
                if let Screen::PublishForm(state) = &mut self.screen {
                    match result {
                        Ok(targets) => state.targets.succeed(targets, wall, now),
                        Err(error) => state.targets.fail(error),
                    }
                }
            }
            DataEvent::Published(result) => {
                let text = match &result {
                    Ok(outcome) if !outcome.created => {
                        format!("already submitted earlier; {}", outcome.note)
                    }
                    Ok(outcome) => outcome.note.clone(),
                    Err(error) => format!("publish record not written: {error}"),
                };
                let failed = match &result {
                    Ok(outcome) => outcome.record.state == OutboxState::Failed,
                    Err(_) => true,
                };
                self.say(text, failed);
                let written = result.is_ok();
                if let Screen::PublishForm(state) = &mut self.screen {
                    state.finished(result);
                    // Read again: the draft is now published there (the next one asks).
                    if written {
                        state.drafts.start();
                        return vec![Command::LoadDrafts];
                    }
                }
            }
            DataEvent::GenesisStarted(result) => return self.genesis_started(result),
            DataEvent::GenesisStatusLoaded(job_id, result) => {
                return self.genesis_status_loaded(job_id, result, now);
            }
            DataEvent::GenesisDraft {
                job_id,
                draft_no,
                result,
            } => {
                if let Screen::GenesisJob(state) = &mut self.screen
                    && state.job_id == job_id
                {
                    state.draft_loaded(draft_no, result);
                }
            }
            DataEvent::GenesisApproved(job_id, result) => {
                return self.genesis_approved(job_id, result);
            }
            DataEvent::PrefixFound {
                kind,
                prefix,
                result,
            } => return self.prefix_found(kind, prefix, result),
            DataEvent::GenesisCommitted(job_id, result) => {
                if let Screen::GenesisJob(state) = &mut self.screen
                    && state.job_id == job_id
                {
                    state.committed_loaded(result);
                }
            }
            DataEvent::PersonaChoices(result) => {
                self.ask_personas_loaded(&result);
                self.persona_choices_loaded(result)
            }
            DataEvent::Asked { seq, result } => self.asked(seq, result),
            DataEvent::AskHistorySaved(result) => self.ask_history_saved(result),
            DataEvent::RunChoices(result) => self.run_choices_loaded(result),
            DataEvent::ProjectCreated(result) => return self.project_created(result),
            DataEvent::RunStarted(result) => return self.run_started(result),
        }
        Vec::new()
    }
}
