//! What reloads when: the tick (auto-refresh, the genesis job's polls, the red flag evaluator,
//! a redraw only when an age on screen changes), a full refresh, and reloads of just the
//! widgets and screen that show a changed table.

// A split `impl App`: the parent module's types and imports.
use super::*;

impl App {
    /// The data is older than this many seconds: shown as stale.
    pub fn stale_after_secs(&self) -> u64 {
        self.options.refresh_interval.as_secs().max(1) * 2
    }

    /// A tick at `self.now` (the time of the tick before: `previous`): what is due, and a
    /// redraw when what the time shows changed.
    pub(super) fn tick(&mut self, previous: Instant) -> Vec<Command> {
        let before = self.visible_ages(previous);
        let now = self.now.instant;
        let mut commands = Vec::new();
        if !self.paused && now >= self.next_refresh && self.current_layout().is_some() {
            commands.extend(self.refresh_all());
            // The status line's hint, whatever the layout shows.
            commands.push(Command::LoadOpenFlagCounts);
        }
        if let Screen::GenesisJob(job) = &mut self.screen
            && job.poll_due(now)
        {
            job.loading = true;
            commands.push(Command::GenesisStatus(job.job_id));
        }
        if !self.options.read_only && now >= self.next_evaluation {
            self.next_evaluation = now + EVALUATE_EVERY;
            commands.push(Command::Evaluate);
        }
        // Redraw only when something visible changed (a stale marker appeared or aged a unit),
        // so an idle dashboard writes nothing to the terminal.
        // The elapsed time of an MPIS call in flight counts up.
        let waiting = match &self.screen {
            Screen::PublishForm(form) => form.submitting(),
            Screen::GenesisForm(form) => form.submitting(),
            Screen::GenesisJob(job) => job.pending.is_some(),
            Screen::Ask(ask) => ask.pending.is_some(),
            _ => false,
        };
        let expired = self.expire_message(false);
        // Flags that arrived in an alert's quiet time are told when it ends.
        let alerted = self.give_due_alert();
        if !commands.is_empty() || waiting || expired || alerted || before != self.visible_ages(now)
        {
            self.dirty = true;
        }
        commands
    }

    /// What of the time is visible at `now`: each slot's state and its coarse age.
    pub(super) fn visible_ages(&self, now: Instant) -> Vec<(LoadState, Option<String>)> {
        let stale = self.stale_after_secs();
        self.slots
            .iter()
            .map(|s| {
                let state = s.data.state(now, stale, WidgetData::is_empty);
                let age = (state == LoadState::Stale)
                    .then(|| {
                        s.data
                            .age_secs(now)
                            .map(crate::tui::widgets::short_duration)
                    })
                    .flatten();
                (state, age)
            })
            .collect()
    }

    /// Reloads every widget (and the open screen's data).
    pub fn refresh_all(&mut self) -> Vec<Command> {
        self.next_refresh = self.now.instant + self.options.refresh_interval;
        let mut commands: Vec<Command> = (0..self.slots.len()).map(|i| self.load_slot(i)).collect();
        commands.extend(self.reload_screen());
        commands
    }

    pub(super) fn load_slot(&mut self, index: usize) -> Command {
        // Runs: every page loaded so far, from the newest (a page on its way is dropped).
        let page = self.loaded_pages(index);
        let slot = &mut self.slots[index];
        slot.generation += 1;
        slot.data.start();
        slot.cursor = None;
        slot.pending_target = None;
        Command::LoadWidget {
            slot: index,
            generation: slot.generation,
            kind: slot.kind.clone(),
            filter: slot.filter.clone(),
            cursor: None,
            page,
        }
    }

    pub(super) fn reload_screen(&mut self) -> Vec<Command> {
        match &mut self.screen {
            Screen::RunDetail(state) => {
                state.detail.start();
                vec![Command::LoadRunDetail {
                    run_id: state.run_id,
                }]
            }
            Screen::RedFlags(state) => {
                state.flags.start();
                vec![Command::LoadFlags {
                    include_resolved: state.include_resolved,
                }]
            }
            Screen::FlagDrill(_) => self.reload_flag_drill(),
            Screen::Item(state) => {
                state.detail.start();
                vec![Command::LoadItem { id: state.id }]
            }
            Screen::GenesisJob(state) => {
                state.loading = true;
                vec![Command::GenesisStatus(state.job_id)]
            }
            Screen::Jobs(state) => {
                state.list.start();
                vec![Command::LoadJobs]
            }
            // The runs, and the job's header (schedule, next run) from the list.
            Screen::JobHistory(state) => {
                state.runs.start();
                vec![Command::LoadJobRuns(state.job.id), Command::LoadJobs]
            }
            // The submitted record, until forwarded or failed (the poll behind NOTIFY).
            Screen::PublishForm(state) => state
                .followed_record()
                .map(Command::LoadPublishRecord)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Live updates: reload just the widgets (and screen) that show a changed table.
    pub(super) fn reload_tables(&mut self, tables: &[String]) -> Vec<Command> {
        let affected: Vec<usize> = (0..self.slots.len())
            .filter(|&i| tables.iter().any(|t| self.slots[i].shows_table(t)))
            .collect();
        let mut commands: Vec<Command> = affected.into_iter().map(|i| self.load_slot(i)).collect();
        let screen_shows = match &self.screen {
            Screen::RunDetail(_) => tables.iter().any(|t| t.starts_with("dashboard_run")),
            Screen::RedFlags(_) => tables.iter().any(|t| t == "red_flags"),
            Screen::PublishForm(_) => tables.iter().any(|t| t == "publish_records"),
            Screen::FlagDrill(_) => tables
                .iter()
                .any(|t| t == "red_flags" || t.starts_with("dashboard_run")),
            // A run starting or finishing writes its job's row (the lease, the outcome).
            Screen::Jobs(_) | Screen::JobHistory(_) => {
                tables.iter().any(|t| t == "metrics_ingestion_jobs")
            }
            _ => false,
        };
        if screen_shows {
            commands.extend(self.reload_screen());
        }
        if tables.iter().any(|t| t == "red_flags") {
            commands.push(Command::LoadOpenFlagCounts);
        }
        commands
    }
}
