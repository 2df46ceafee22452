//! Persona slugs as MPIS makes them (`slugify`, for the form's preview) and whether two names
//! start the same persona.

/// MPIS's slug length limit.
pub const MAX_SLUG_CHARS: usize = 50;

/// Whether two persona names start the same persona: the same name (case and spacing aside),
/// or names MPIS turns into the same slug (its second job of "Alex" becomes `alex-2`). Names
/// with nothing to slug from (punctuation only gives the fallback `persona`) compare by name
/// only.
///
/// `same_persona_name("Tim Keller", "tim  keller")`, `same_persona_name("Zoë", "Zoe")`.
pub fn same_persona_name(a: &str, b: &str) -> bool {
    let normal = |name: &str| {
        name.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    if normal(a) == normal(b) {
        return !normal(a).is_empty();
    }
    let slug = slugify(a.trim());
    !slug.is_empty() && slug != "persona" && slug == slugify(b.trim())
}

/// MPIS's `slugify` (MPIS_REFERENCE.md §1.2), for previewing the slug in the form.
///
/// Transliterate, lowercase, runs of whitespace/`_` -> `-`, drop everything outside
/// `[a-z0-9-]`, collapse `-`, trim `-`, cut to 50 and strip trailing `-`; nothing left ->
/// `persona`. As in MPIS, the empty string gives the empty string.
///
/// MPIS transliterates with Python's `unidecode`; `deunicode` is a port of the same tables
/// (`й` -> `i`, `щ` -> `shch`, `ß` -> `ss`, Chinese to pinyin), so the preview matches the slug
/// MPIS returns for the names people write.
///
/// `slugify("Тим Келлер") == "tim-keller"`, `slugify("Алексей 123") == "aleksei-123"`.
pub fn slugify(name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    // Whitespace first: deunicode turns a no-break space into a space, but some separators
    // into nothing.
    let mut spaced = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            c if c.is_whitespace() => spaced.push(' '),
            // The one letter of the Cyrillic and Latin ranges where deunicode's table differs
            // from unidecode's (checked against Python's unidecode).
            'Є' => spaced.push_str("Ie"),
            c => spaced.push(c),
        }
    }
    let ascii = deunicode::deunicode(&spaced).to_lowercase();
    let mut slug = String::with_capacity(ascii.len());
    let mut in_separator = false;
    for c in ascii.chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            in_separator = true;
            continue;
        }
        if !(c.is_ascii_lowercase() || c.is_ascii_digit()) {
            // Dropped without breaking a separator run (`a - b` -> `a-b`, `a.b` -> `ab`).
            continue;
        }
        if in_separator && !slug.is_empty() {
            slug.push('-');
        }
        in_separator = false;
        slug.push(c);
    }
    if slug.len() > MAX_SLUG_CHARS {
        slug.truncate(MAX_SLUG_CHARS);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        "persona".to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_persona_name_by_name_or_slug() {
        assert!(same_persona_name("Tim Keller", "tim  keller "));
        assert!(same_persona_name("Zoë", "Zoe"));
        assert!(same_persona_name("Tim_Keller", "tim-keller"));
        assert!(!same_persona_name("Tim Keller", "Tim Kellerman"));
        assert!(!same_persona_name("", " "));
        // Nothing to slug from: the fallback slug does not make them the same.
        assert!(!same_persona_name("李明", "王芳"));
        assert!(same_persona_name("李明", "李明"));
    }

    #[test]
    fn slugify_worked_examples_from_mpis() {
        assert_eq!(slugify("Tim Keller"), "tim-keller");
        assert_eq!(slugify("Тим Келлер"), "tim-keller");
        assert_eq!(slugify("Алексей 123"), "aleksei-123");
        assert_eq!(slugify("Алексей"), "aleksei");
        assert_eq!(slugify("Hello! World?"), "hello-world");
    }

    #[test]
    fn slugify_ascii_rules() {
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("   "), "persona");
        assert_eq!(slugify("!!!"), "persona");
        assert_eq!(slugify("snake_case  name"), "snake-case-name");
        assert_eq!(slugify("--Hello--World--"), "hello-world");
        assert_eq!(slugify("a - b"), "a-b");
        assert_eq!(slugify("a._b"), "a-b");
        assert_eq!(slugify("a.b"), "ab");
        assert_eq!(slugify("Rock & Roll"), "rock-roll");
        assert_eq!(slugify("C.S. Lewis"), "cs-lewis");
        assert_eq!(slugify("Tab\tand\u{a0}nbsp"), "tab-and-nbsp");
        assert_eq!(slugify("R2-D2"), "r2-d2");
    }

    #[test]
    fn slugify_length_limit() {
        assert_eq!(slugify(&"a".repeat(50)), "a".repeat(50));
        assert_eq!(slugify(&"a".repeat(60)), "a".repeat(50));
        // Cut at 50 lands right after a hyphen: the hyphen goes too.
        assert_eq!(slugify(&format!("{} bcd", "a".repeat(49))), "a".repeat(49));
        // 48 + "-b" = exactly 50.
        assert_eq!(
            slugify(&format!("{} b", "a".repeat(48))),
            format!("{}-b", "a".repeat(48))
        );
        // Cyrillic expanding past the limit is cut after transliteration.
        assert_eq!(slugify(&"щ".repeat(20)).len(), 50);
    }

    #[test]
    fn slugify_transliterates_latin_accents() {
        assert_eq!(slugify("Crème Brûlée"), "creme-brulee");
        assert_eq!(slugify("Straße"), "strasse");
        assert_eq!(slugify("Søren Åberg"), "soren-aberg");
        assert_eq!(slugify("François Núñez"), "francois-nunez");
        assert_eq!(slugify("MÜLLER"), "muller");
        assert_eq!(slugify("Łódź Żółć"), "lodz-zolc");
        assert_eq!(slugify("Æsop Œuvre"), "aesop-oeuvre");
        assert_eq!(slugify("İstanbul"), "istanbul");
    }

    #[test]
    fn slugify_transliterates_cyrillic() {
        assert_eq!(slugify("Щука Юлия Ёлкина"), "shchuka-iuliia-iolkina");
        assert_eq!(slugify("Їжак Ґанок Євген"), "yizhak-ganok-ievgen");
        assert_eq!(slugify("Подъезд Мать"), "podezd-mat");
        assert_eq!(
            slugify("Хорошая Цапля Чайка Шарф"),
            "khoroshaia-tsaplia-chaika-sharf"
        );
        assert_eq!(slugify("Ўладзімір"), "uladzimir");
        // Other scripts are spelled out as MPIS's unidecode does ("Bei Jing ").
        assert_eq!(slugify("北京"), "bei-jing");
        assert_eq!(slugify("Anna 北京"), "anna-bei-jing");
    }
}
