//! Which instance a source belongs to, from its path (ids inside the logs, such as an EC2
//! wrapper's `InstanceId`, take precedence; platform events name their own).

use std::path::Path;

/// File stems that name what a file holds, not whose it is: their folder names the instance.
const GENERIC_STEMS: &[&str] = &[
    "console",
    "console-output",
    "serial",
    "serial-console",
    "cloud-init",
    "cloud-init-output",
    "cloudinit",
    "blame",
    "show",
    "dump",
    "journal",
    "messages",
    "syslog",
    "boot",
    "status",
    "systemd-analyze",
    "output",
];

/// Whether `s` is an EC2 instance id (`i-` and 8 or 17 hex digits).
pub fn is_ec2_id(s: &str) -> bool {
    let Some(hex) = s.strip_prefix("i-") else {
        return false;
    };
    (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Finds an EC2 instance id inside `text` (the first one), if any.
pub fn find_ec2_id(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = memchr::memmem::find(&b[from..], b"i-") {
        let start = from + pos;
        let before_ok = start == 0 || !b[start - 1].is_ascii_alphanumeric();
        let mut end = start + 2;
        while end < b.len() && b[end].is_ascii_hexdigit() {
            end += 1;
        }
        let after_ok = end == b.len() || !b[end].is_ascii_alphanumeric();
        if before_ok && after_ok && is_ec2_id(&text[start..end]) {
            return Some(&text[start..end]);
        }
        from = start + 2;
    }
    None
}

fn stem(name: &str) -> &str {
    let mut s = name;
    for ext in [".gz", ".log", ".txt", ".json", ".jsonl", ".csv", ".out"] {
        if let Some(t) = s.strip_suffix(ext) {
            s = t;
        }
    }
    s
}

/// The instance a file belongs to, judged from its path: an EC2 id in any component (the
/// deepest wins), else the folder of a generically named file (`i-…/console.log`,
/// `web-1/cloud-init.log`), else the file's own stem.
pub fn instance_from_path(path: &Path) -> String {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for c in comps.iter().rev() {
        if let Some(id) = find_ec2_id(c) {
            return id.to_string();
        }
    }
    let file = comps.last().cloned().unwrap_or_default();
    let s = stem(&file);
    let generic = GENERIC_STEMS
        .iter()
        .any(|g| s == *g || s.starts_with(&format!("{g}.")) || s.starts_with(&format!("{g}_")));
    if generic && comps.len() >= 2 {
        let parent = &comps[comps.len() - 2];
        if parent != "." && parent != ".." && !parent.is_empty() && parent != "/" {
            return parent.clone();
        }
    }
    if s.is_empty() {
        file
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_ids() {
        assert!(is_ec2_id("i-052962296ad0c7240"));
        assert!(is_ec2_id("i-0abc1234"));
        assert!(!is_ec2_id("i-05296229"[..9].as_ref()));
        assert!(!is_ec2_id("i-xyz12345"));
        assert_eq!(
            find_ec2_id("InstanceId: i-052962296ad0c7240,"),
            Some("i-052962296ad0c7240")
        );
        assert_eq!(find_ec2_id("ami-0abc1234"), None);
    }

    #[test]
    fn instance_from_paths() {
        assert_eq!(
            instance_from_path(Path::new("fleet/i-052962296ad0c7240/console.log")),
            "i-052962296ad0c7240"
        );
        assert_eq!(
            instance_from_path(Path::new("logs/web-1/cloud-init.log.gz")),
            "web-1"
        );
        assert_eq!(
            instance_from_path(Path::new("corpus/serial/gcp_serial_ubuntu_01.txt")),
            "gcp_serial_ubuntu_01"
        );
        assert_eq!(
            instance_from_path(Path::new("x/i-0123abcd-console.txt")),
            "i-0123abcd"
        );
        assert_eq!(instance_from_path(Path::new("console.log")), "console");
    }
}
