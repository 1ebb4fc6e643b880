//! Registry-wide checks: names, specs, substitutes, and that every job reads exactly the
//! parameters it lists.

use std::collections::BTreeSet;

use super::*;
use crate::params::{self, Param};

/// The calls that together use every parameter of a job: all of them with their
/// examples, the mandatory ones only, and the mandatory ones with each substitute in
/// place of the parameter it replaces.
fn calls(spec: &'static [ParamSpec]) -> Vec<Vec<&'static ParamSpec>> {
    let required: Vec<_> = spec.iter().filter(|p| p.required).collect();
    let mut calls = vec![spec.iter().collect(), required.clone()];
    for p in &required {
        if let Some(sub) = p.substitute.and_then(|s| spec.iter().find(|q| q.name == s)) {
            let mut call: Vec<_> = required
                .iter()
                .copied()
                .filter(|q| q.name != p.name)
                .collect();
            call.push(sub);
            calls.push(call);
        }
    }
    calls
}

/// Both directions: every call parses (so the parser reads no name outside the spec,
/// which the reader refuses), and every name in the spec is read by one of them.
fn spec_and_parser_agree(
    job: &str,
    spec: &'static [ParamSpec],
    parse: impl Fn(&ParamReader) -> Result<(), JobError>,
) -> Result<(), String> {
    let mut read = BTreeSet::new();
    for call in calls(spec) {
        let raw = call
            .iter()
            .map(|p| (p.name.to_owned(), p.example.to_value()))
            .collect();
        let names: Vec<_> = call.iter().map(|p| p.name).collect();
        let reader =
            params::check(job, spec, raw).map_err(|e| format!("{job} refuses {names:?}: {e}"))?;
        parse(&reader).map_err(|e| format!("{job} cannot read {names:?}: {e}"))?;
        read.extend(reader.names_read());
    }
    let unread: Vec<_> = spec
        .iter()
        .map(|p| p.name)
        .filter(|n| !read.contains(n))
        .collect();
    if unread.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{job} lists {unread:?} but its parser never reads them"
        ))
    }
}

#[test]
fn every_job_reads_exactly_the_parameters_it_lists() {
    for e in registry().entries() {
        spec_and_parser_agree(e.name(), e.meta.params, |p| e.parse(p))
            .unwrap_or_else(|why| panic!("{why}"));
    }
}

#[test]
fn a_listed_parameter_that_is_never_read_is_found() {
    const A: Param<String> = Param::required("a", "read");
    const B: Param<bool> = Param::optional("b", "never read");
    let found = spec_and_parser_agree("j", &[A.spec, B.spec], |p| p.get(&A).map(drop));
    assert_eq!(
        found,
        Err("j lists [\"b\"] but its parser never reads them".into())
    );
}

#[test]
fn a_read_parameter_that_is_not_listed_is_found() {
    const A: Param<String> = Param::required("a", "listed");
    const C: Param<String> = Param::optional("c", "not listed");
    let found = spec_and_parser_agree("j", &[A.spec], |p| p.opt(&C).map(drop));
    assert!(found.is_err_and(|why| why.contains("'c'")));
}

#[test]
fn names_are_unique_and_lower_snake_case() {
    let r = registry();
    let names: BTreeSet<_> = r.entries().iter().map(Entry::name).collect();
    assert_eq!(names.len(), r.entries().len(), "duplicate job name");
    for n in names {
        assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
    }
}

#[test]
fn every_job_has_a_module_file_named_like_it() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/job");
    for e in registry().entries() {
        assert!(
            dir.join(format!("{}.rs", e.name())).is_file(),
            "no src/job/{}.rs",
            e.name()
        );
    }
}

#[test]
fn specs_are_complete_and_substitutes_exist() {
    for e in registry().entries() {
        let (name, spec, params) = (e.name(), e.meta.spec, e.meta.params);
        assert!(!spec.description.is_empty(), "{name} has no description");
        assert!(!spec.allowed_groups.is_empty(), "{name} allows nobody");
        let mut seen = BTreeSet::new();
        for p in params {
            assert!(seen.insert(p.name), "{name}: parameter {} twice", p.name);
            assert!(!p.desc.is_empty(), "{name}: {} has no description", p.name);
            if let Some(s) = p.substitute {
                assert!(
                    params.iter().any(|q| q.name == s),
                    "{name}: substitute {s} of {} is not a parameter",
                    p.name
                );
            }
        }
    }
}

#[test]
fn the_jobs_of_the_foundation_are_registered() {
    let r = registry();
    for name in [
        "db_list",
        "db_info",
        "db_state",
        "db_start",
        "db_stop",
        "db_create",
        "db_delete",
        "st_volume_list",
        "st_volume_info",
        "st_volume_create",
        "st_volume_delete",
        "remote_volume_add",
        "remote_volume_list",
        "remote_volume_list_details",
        "remote_volume_info",
        "remote_volume_state",
        "remote_volume_remove",
        "user_passwd",
        "db_backup_start",
        "db_backup_progress",
        "db_backup_abort",
        "db_backup_list",
        "db_backups_delete",
        "db_backup_delete_unusable",
        "db_backup_change_expiration",
        "db_restore",
    ] {
        assert!(r.get(name).is_some(), "{name} missing");
    }
}

#[test]
fn help_text_shows_types_like_python() {
    let r = registry();
    let text = help_text(r.get("db_state").unwrap());
    assert!(
        text.contains("Mandatory parameters: {'db_name': {'desc': "),
        "{text}"
    );
    assert!(text.contains("'type': \"(<class 'str'>,)\""), "{text}");
}
