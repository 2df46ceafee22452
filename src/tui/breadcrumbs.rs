//! Where the operator is, as the way Esc goes back: the screens of `App::back_stack` then the
//! open one ("Overview › Red flags › failed runs 24h › Run 3f2a1b2c"), the dashboard named by
//! its layout. Names from the database pass through `clean`. Too long for its room, the
//! leftmost places collapse into "…"; the current place always shows.

use super::app::{App, Screen};
use super::widgets::clean;

/// An id's first eight characters: enough to tell runs apart on screen (`y` copies it whole).
fn short_id(id: &uuid::Uuid) -> String {
    id.to_string().chars().take(8).collect()
}

/// One screen's place name.
pub fn crumb(app: &App, screen: &Screen) -> String {
    match screen {
        Screen::Dashboard => app
            .current_layout()
            .map_or_else(|| "Dashboard".to_string(), |l| clean(&l.name)),
        Screen::RunDetail(state) => format!("Run {}", short_id(&state.run_id)),
        Screen::RedFlags(_) => "Red flags".to_string(),
        Screen::FlagDrill(state) => clean(&state.flag.flag_type.replace('_', " ")),
        Screen::Item(state) => format!("item {}", short_id(&state.id)),
        Screen::Jobs(_) => "Jobs".to_string(),
        Screen::JobHistory(state) => clean(&state.job.job_name),
        Screen::JobForm(state) if state.editing.is_some() => "Edit job".to_string(),
        Screen::JobForm(_) => "New job".to_string(),
        Screen::LayoutEditor(_) => "Layout editor".to_string(),
        Screen::PublishForm(_) => "Publish".to_string(),
        Screen::GenesisForm(_) => "Genesis".to_string(),
        Screen::GenesisJob(state) => format!("Genesis job {}", short_id(&state.job_id)),
        Screen::ProjectForm(_) => "New project".to_string(),
        Screen::RunForm(_) => "Start a run".to_string(),
        Screen::Ask(_) => "Ask".to_string(),
    }
}

/// Every place from the dashboard to the open screen, in order.
pub fn places(app: &App) -> Vec<String> {
    app.back_stack
        .iter()
        .chain(std::iter::once(&app.screen))
        .map(|screen| crumb(app, screen))
        .collect()
}

/// `places` joined by `separator` in at most `width` columns: whole when it fits, else the
/// leftmost places give way to `ellipsis` one at a time; the last place is always there
/// (shortened itself only when even "… › place" does not fit).
pub fn fit(places: &[String], separator: &str, ellipsis: &str, width: usize) -> String {
    let join = |parts: &[String]| parts.join(&format!(" {separator} "));
    let whole = join(places);
    if crate::text::columns(&whole) <= width || places.len() <= 1 {
        return crate::text::fit(&whole, width);
    }
    for skip in 1..places.len() {
        let mut parts = vec![ellipsis.to_string()];
        parts.extend_from_slice(&places[skip..]);
        let text = join(&parts);
        if crate::text::columns(&text) <= width {
            return text;
        }
    }
    let last = places.last().map_or("", String::as_str);
    crate::text::fit(last, width)
}

#[cfg(test)]
mod tests {
    use super::fit;

    fn places(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_leftmost_places_collapse_first_and_the_current_one_stays() {
        let p = places(&["Overview", "Red flags", "failed runs 24h", "Run 3f2a1b2c"]);
        let whole = "Overview › Red flags › failed runs 24h › Run 3f2a1b2c";
        assert_eq!(fit(&p, "›", "…", 80), whole);
        assert_eq!(
            fit(&p, "›", "…", 50),
            "… › Red flags › failed runs 24h › Run 3f2a1b2c"
        );
        assert_eq!(fit(&p, "›", "…", 34), "… › failed runs 24h › Run 3f2a1b2c");
        assert_eq!(fit(&p, "›", "…", 20), "… › Run 3f2a1b2c");
        // ASCII glyphs.
        assert_eq!(fit(&p, ">", "...", 22), "... > Run 3f2a1b2c");
        assert!(crate::text::columns(&fit(&p, "›", "…", 8)) <= 8);
        assert_eq!(fit(&places(&["Overview"]), "›", "…", 80), "Overview");
    }
}
