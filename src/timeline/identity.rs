//! Which instance a source belongs to, from evidence, strongest first: an id inside the content
//! (the EC2 console wrapper's `InstanceId`, the instance cloud-init links its state to,
//! journald's `_MACHINE_ID`; platform events name their own), then a folder named like an
//! instance (an EC2 id, a UUID, or the configured `[identity] folder_regex`), else the file is
//! its own instance. A generic file name (`console.log`, `journal_01.txt`) says what a file
//! holds, not whose it is, and never joins two files. `--identity` can force a level.

use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::event::IdEvidence;

/// Where an instance's identity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// The `InstanceId` of an EC2 `get-console-output` wrapper.
    Ec2Console,
    /// The instance id cloud-init runs as.
    CloudInit,
    /// journald's `_MACHINE_ID`.
    JournaldMachine,
    /// The platform's events (`instance`, or a `workspace` they map to an instance).
    PlatformEvents,
    /// The name of the folder the file is in.
    Folder,
    /// Files of one folder whose boots line up on the wall clock with the machine's (the same
    /// kernel starts within seconds): one machine's `/var/log` bundle.
    Clock,
    /// The only machine of the file's folder: a file with no wall clock of its own (a plain
    /// `dmesg`) beside the files of one machine of one boot.
    SoleMachine,
    /// The file itself: nothing named its instance.
    File,
}

impl IdentitySource {
    /// How the timeline text says it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            IdentitySource::Ec2Console => "EC2 console InstanceId",
            IdentitySource::CloudInit => "cloud-init instance id",
            IdentitySource::JournaldMachine => "journald _MACHINE_ID",
            IdentitySource::PlatformEvents => "platform events",
            IdentitySource::Folder => "folder name",
            IdentitySource::Clock => "boots on the wall clock of its folder's machine",
            IdentitySource::SoleMachine => "the only machine of its folder",
            IdentitySource::File => "file (no instance named)",
        }
    }
}

impl From<IdEvidence> for IdentitySource {
    fn from(e: IdEvidence) -> Self {
        match e {
            IdEvidence::Ec2Console => IdentitySource::Ec2Console,
            IdEvidence::CloudInit => IdentitySource::CloudInit,
            IdEvidence::JournaldMachine => IdentitySource::JournaldMachine,
        }
    }
}

/// Which evidence decides (`--identity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum IdentityRule {
    /// An id in the content, else an instance-like folder, else the file.
    #[default]
    Content,
    /// The folder the file is in, whatever its name (else the file).
    Folder,
    /// Every file is its own instance.
    File,
}

/// How identities are decided: the rule and the configured folder pattern.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdentitySettings {
    /// The rule.
    pub(crate) rule: IdentityRule,
    /// Folders whose whole name matches are instance folders (`[identity] folder_regex`).
    pub(crate) folder_regex: Option<Regex>,
}

impl IdentitySettings {
    /// How instances are identified under `rule` (`--identity`), with the configuration's
    /// folder pattern (validated when loaded).
    pub(crate) fn new(rule: IdentityRule, config: &crate::config::Config) -> Self {
        Self {
            rule,
            folder_regex: config
                .identity_folder_regex
                .as_deref()
                .and_then(|r| Regex::new(r).ok()),
        }
    }
}

/// Ids that logs carry but that name no particular machine: defaults of datasources and
/// images, and cloud-init's word for "none before".
const GENERIC_IDS: &[&str] = &[
    "nocloud",
    "nocloud-net",
    "iid-datasource-none",
    "iid-datasource",
    "no_previous_instance_id",
    "none",
    "null",
    "unknown",
    "localhost",
    "instance-id",
    "default",
];

/// Whether an id found in a log identifies nothing: a datasource default (`nocloud`,
/// `iid-datasource-none`), a documentation example (`iid-local01`, `iid-abcdefg`), or a
/// placeholder GUID (`00000000-0000-8899-0000-000000000000`: mostly zeros).
pub(crate) fn is_generic_id(id: &str) -> bool {
    let lower = id.trim().to_ascii_lowercase();
    if lower.is_empty() || GENERIC_IDS.contains(&lower.as_str()) {
        return true;
    }
    if lower.starts_with("iid-local") || lower == "iid-abcdefg" || lower == "iid-123456" {
        return true;
    }
    let hex: Vec<u8> = lower.bytes().filter(|b| *b != b'-').collect();
    if is_uuid(&lower) {
        let zeros = hex.iter().filter(|b| **b == b'0').count();
        // A real UUID is random: 20 zero digits of 32 happen about never.
        return zeros >= 20 || hex.iter().all(|b| *b == hex[0]);
    }
    false
}

/// Whether `s` is an EC2 instance id (`i-` and 8 or 17 hex digits).
pub(crate) fn is_ec2_id(s: &str) -> bool {
    let Some(hex) = s.strip_prefix("i-") else {
        return false;
    };
    (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `s` is a UUID (`8-4-4-4-12` hex digits).
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a folder name names an instance: an EC2 id, a UUID, or the configured pattern.
pub(crate) fn is_instance_folder(name: &str, settings: &IdentitySettings) -> bool {
    is_ec2_id(name)
        || (is_uuid(name) && !is_generic_id(name))
        || settings
            .folder_regex
            .as_ref()
            .is_some_and(|r| r.find(name).is_some_and(|m| m.len() == name.len()))
}

/// The name of the folder `path` is in, when it has one (not `.`, `..` or the root).
fn parent_name(path: &Path) -> Option<String> {
    let name = path.parent()?.file_name()?.to_str()?;
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_string())
}

/// The instance of a source at `path`, and where that came from, given the first usable id
/// found inside it (if any).
pub(crate) fn decide(
    path: &str,
    content: Option<(&str, IdEvidence)>,
    settings: &IdentitySettings,
) -> (String, IdentitySource) {
    let p = Path::new(path);
    let folder = parent_name(p);
    let file = || (path.to_string(), IdentitySource::File);
    match settings.rule {
        IdentityRule::File => file(),
        IdentityRule::Folder => folder.map_or_else(file, |f| (f, IdentitySource::Folder)),
        IdentityRule::Content => match (content, folder) {
            (Some((id, evidence)), _) => (id.to_string(), evidence.into()),
            (None, Some(f)) if is_instance_folder(&f, settings) => (f, IdentitySource::Folder),
            (None, Some(_)) | (None, None) => file(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_ids_and_uuids() {
        assert!(is_ec2_id("i-052962296ad0c7240"));
        assert!(is_ec2_id("i-0abc1234"));
        assert!(!is_ec2_id("i-0529622"));
        assert!(!is_ec2_id("i-xyz12345"));
        assert!(is_uuid("1d1766d3-54fb-3e40-a026-7facdb88ea2c"));
        assert!(!is_uuid("1d1766d3-54fb-3e40-a026"));
    }

    #[test]
    fn generic_ids_name_no_machine() {
        for id in [
            "iid-datasource-none",
            "iid-local01",
            "nocloud",
            "NO_PREVIOUS_INSTANCE_ID",
            "00000000-0000-8899-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "",
        ] {
            assert!(is_generic_id(id), "{id}");
        }
        for id in [
            "i-0d483f9ce23b7fccc",
            "1d1766d3-54fb-3e40-a026-7facdb88ea2c",
            "8850011",
            "iid-3f1c2b",
        ] {
            assert!(!is_generic_id(id), "{id}");
        }
    }

    #[test]
    fn content_then_an_instance_folder_then_the_file() {
        let s = IdentitySettings::default();
        let ci = Some(("i-0d483f9ce23b7fccc", IdEvidence::CloudInit));
        assert_eq!(
            decide("logs/web-1/cloud-init.log", ci, &s),
            ("i-0d483f9ce23b7fccc".into(), IdentitySource::CloudInit)
        );
        assert_eq!(
            decide("fleet/i-052962296ad0c7240/console.log", None, &s),
            ("i-052962296ad0c7240".into(), IdentitySource::Folder)
        );
        // A folder named like what it holds, or a generic file name, joins nothing.
        assert_eq!(
            decide("corpus/cloudinit/cloudinit_log_04.log", None, &s),
            (
                "corpus/cloudinit/cloudinit_log_04.log".into(),
                IdentitySource::File
            )
        );
        assert_eq!(
            decide("logs/web-1/console.log", None, &s).1,
            IdentitySource::File
        );
        assert_eq!(decide("console.log", None, &s).1, IdentitySource::File);
        // The configured pattern makes `web-1` an instance folder.
        let web = IdentitySettings {
            folder_regex: Some(Regex::new(r"web-\d+").unwrap()),
            ..IdentitySettings::default()
        };
        assert_eq!(
            decide("logs/web-1/console.log", None, &web),
            ("web-1".into(), IdentitySource::Folder)
        );
        assert_eq!(
            decide("logs/web-1x/console.log", None, &web).1,
            IdentitySource::File
        );
    }

    #[test]
    fn the_rule_overrides_the_evidence() {
        let ci = Some(("i-0d483f9ce23b7fccc", IdEvidence::CloudInit));
        let folder = IdentitySettings {
            rule: IdentityRule::Folder,
            ..IdentitySettings::default()
        };
        assert_eq!(
            decide("logs/web-1/cloud-init.log", ci, &folder),
            ("web-1".into(), IdentitySource::Folder)
        );
        let file = IdentitySettings {
            rule: IdentityRule::File,
            ..IdentitySettings::default()
        };
        assert_eq!(
            decide("fleet/i-052962296ad0c7240/console.log", ci, &file).1,
            IdentitySource::File
        );
    }
}
