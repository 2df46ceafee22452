//! Which genesis jobs awaiting approval a typed `:genesis` argument means (a persona's name or
//! slug, a prefix of one, a label offered by completion, or the start of a job id), and the labels
//! that tell jobs of the same persona name apart (start time and short job id). Pure.

use crate::time_display::TimeDisplay;
use uuid::Uuid;

use crate::store::genesis::PendingGenesisJob;

/// Separates a label's parts: `Orbit Science · started 05-18 09:00 UTC · 1f0c2a9b`.
const SEPARATOR: &str = " · ";

/// The first hex digits of a job id: enough to tell jobs apart by eye.
pub fn short_id(id: Uuid) -> String {
    let mut hex = id.simple().to_string();
    hex.truncate(8);
    hex
}

/// A job's name with its start time and short id (the completion of a shared name).
pub fn label(job: &PendingGenesisJob, times: TimeDisplay) -> String {
    format!(
        "{}{SEPARATOR}started {}{SEPARATOR}{}",
        job.persona_name,
        times.format(job.created_at, crate::time_display::SHORT),
        short_id(job.id)
    )
}

/// What `:genesis ` completes to: a job's persona name, or its label when another job has the
/// same name (so that each completion opens one job).
pub fn completions(jobs: &[&PendingGenesisJob], times: TimeDisplay) -> Vec<String> {
    let mut names = Vec::new();
    for job in jobs {
        let shared = jobs
            .iter()
            .filter(|other| other.persona_name.eq_ignore_ascii_case(&job.persona_name))
            .count()
            > 1;
        let name = if shared {
            label(job, times)
        } else {
            job.persona_name.clone()
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The jobs `argument` names, best rule first: a label's short id, then the exact name or slug
/// (several jobs may share it), then names or slugs starting so, then job ids starting so.
pub fn find<'a>(jobs: &[&'a PendingGenesisJob], argument: &str) -> Vec<&'a PendingGenesisJob> {
    let wanted = argument.trim().to_lowercase();
    if wanted.is_empty() {
        return Vec::new();
    }
    let by_id = |prefix: &str| -> Vec<&'a PendingGenesisJob> {
        let hex = prefix.len() >= 4 && prefix.chars().all(|c| c.is_ascii_hexdigit());
        if !hex {
            return Vec::new();
        }
        jobs.iter()
            .copied()
            .filter(|j| j.id.simple().to_string().starts_with(prefix))
            .collect()
    };
    if let Some((_, last)) = wanted.rsplit_once(SEPARATOR.trim_end()) {
        let found = by_id(last.trim());
        if !found.is_empty() {
            return found;
        }
    }
    let rules: [&dyn Fn(&PendingGenesisJob) -> bool; 2] = [
        &|j| j.persona_name.to_lowercase() == wanted || j.slug.to_lowercase() == wanted,
        &|j| {
            j.persona_name.to_lowercase().starts_with(&wanted)
                || j.slug.to_lowercase().starts_with(&wanted)
        },
    ];
    for rule in rules {
        let found: Vec<_> = jobs.iter().copied().filter(|j| rule(j)).collect();
        if !found.is_empty() {
            return found;
        }
    }
    by_id(&wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn job(id: &str, name: &str, slug: &str, created: &str) -> PendingGenesisJob {
        let at: DateTime<Utc> = created.parse().unwrap();
        PendingGenesisJob {
            id: Uuid::parse_str(id).unwrap(),
            persona_name: name.to_string(),
            slug: slug.to_string(),
            status: "awaiting_approval".to_string(),
            draft_no: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn jobs() -> Vec<PendingGenesisJob> {
        vec![
            job(
                "1f0c2a9b-0000-4000-8000-000000000001",
                "Orbit Science",
                "orbit-science",
                "2025-05-18T09:00:00Z",
            ),
            job(
                "7d3e4410-0000-4000-8000-000000000002",
                "Orbit Science",
                "orbit-science-2",
                "2025-05-19T14:30:00Z",
            ),
            job(
                "cafe0001-0000-4000-8000-000000000003",
                "Alex",
                "alex",
                "2025-05-20T08:00:00Z",
            ),
        ]
    }

    #[test]
    fn a_shared_name_completes_to_labels_others_to_the_name() {
        let all = jobs();
        let refs: Vec<_> = all.iter().collect();
        assert_eq!(
            completions(&refs, TimeDisplay::default()),
            vec![
                "Orbit Science · started 05-18 09:00 UTC · 1f0c2a9b",
                "Orbit Science · started 05-19 14:30 UTC · 7d3e4410",
                "Alex",
            ]
        );
    }

    #[test]
    fn labels_slugs_names_prefixes_and_ids_find_their_jobs() {
        let all = jobs();
        let refs: Vec<_> = all.iter().collect();
        let ids = |argument: &str| -> Vec<String> {
            find(&refs, argument)
                .iter()
                .map(|j| short_id(j.id))
                .collect()
        };
        assert_eq!(
            ids("orbit science · started 05-19 14:30 utc · 7d3e4410"),
            ["7d3e4410"]
        );
        assert_eq!(ids("Orbit Science"), ["1f0c2a9b", "7d3e4410"]);
        assert_eq!(ids("orbit-science-2"), ["7d3e4410"]);
        assert_eq!(ids("orb"), ["1f0c2a9b", "7d3e4410"]);
        assert_eq!(ids("ALEX"), ["cafe0001"]);
        assert_eq!(ids("cafe"), ["cafe0001"]);
        assert_eq!(ids("1f0c"), ["1f0c2a9b"]);
        assert!(ids("nobody").is_empty());
        assert!(ids("abc").is_empty(), "too short for an id");
        assert!(ids("  ").is_empty());
    }
}
