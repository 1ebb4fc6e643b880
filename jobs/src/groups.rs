//! Exasol's system groups and their IDs (docs "Add Users", job `group_list`), and
//! resolving a group given by name or ID.

use crate::echo::Shown;
use crate::error::JobError;
use crate::params::Text;

/// Every group this server knows, by name, with its ID.
pub const GROUPS: [(&str, u32); 7] = [
    ("exaadm", 499),
    ("exabfsadm", 496),
    ("exadbadm", 498),
    ("exasaasadm", 495),
    ("exastoradm", 497),
    ("exausers", 500),
    ("root", 0),
];

/// The group `given` names, by name or by ID; the error names `param`.
pub fn group(param: &str, Text(given): &Text) -> Result<&'static str, JobError> {
    let given = given.trim();
    GROUPS
        .iter()
        .find(|(name, id)| *name == given || id.to_string() == given)
        .map(|(name, _)| *name)
        .ok_or_else(|| {
            JobError::invalid(
                param,
                format!(
                    "'{}' is not a group (group_list shows them: exaadm, exabfsadm, exadbadm, exasaasadm, exastoradm, exausers, root)",
                    Shown(given)
                ),
            )
        })
}

/// Every group in `given`, each by name or ID.
pub fn groups(param: &str, given: &[String]) -> Result<Vec<String>, JobError> {
    given
        .iter()
        .map(|g| group(param, &Text(g.clone())).map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_resolve_by_name_or_id() {
        assert_eq!(
            group("group", &Text("exausers".into())).unwrap(),
            "exausers"
        );
        assert_eq!(group("group", &Text("498".into())).unwrap(), "exadbadm");
        let e = group("group", &Text("wheel".into())).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("Invalid parameter 'group': 'wheel'"),
            "{e}"
        );
    }
}
