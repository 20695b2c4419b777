//! `--redact`: masks IP addresses, host names and key-like strings in quoted log lines, so a
//! report can be pasted where the logs themselves may not go.

use std::sync::LazyLock;

use regex::Regex;

static PATTERNS: LazyLock<[(Regex, &'static str); 5]> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("valid redaction pattern");
    [
        // IPv4, optionally with a port or prefix length.
        (re(r"\b(?:\d{1,3}\.){3}\d{1,3}(?:[:/]\d+)?\b"), "<ip>"),
        // IPv6: eight groups, or a `::` between hex groups (clock times such as `14:51:01`
        // have neither).
        (
            re(
                r"(?i)\b(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*::(?:[0-9a-f]{1,4}:)*[0-9a-f]{1,4})\b",
            ),
            "<ipv6>",
        ),
        // EC2-style internal host names and dotted host names with a known suffix.
        (
            re(
                r"(?i)\b(?:ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}(?:\.[a-z0-9.-]+)?|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|lan|com|net|org|io|cloud|compute\.amazonaws\.com))\b",
            ),
            "<host>",
        ),
        // Key material: ssh public keys and PEM bodies.
        (
            re(r"\b(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]{16,}"),
            "<key>",
        ),
        // Long tokens: runs of 32 or more base64, hex or token characters (fingerprints, API
        // tokens). `/` is left out so that file paths stay readable.
        (re(r"[A-Za-z0-9+_-]{32,}={0,2}"), "<secret>"),
    ]
});

/// The line with addresses, host names and key-like strings replaced by `<ip>`, `<host>`,
/// `<key>`, `<secret>`.
pub(crate) fn redact(line: &str) -> String {
    let mut s = line.to_string();
    for (re, with) in PATTERNS.iter() {
        if re.is_match(&s) {
            s = re.replace_all(&s, *with).into_owned();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn masks_addresses_hosts_and_keys_and_keeps_the_rest() {
        assert_eq!(
            redact("ci-info: | eth0 | True | 172.31.5.17 | 255.255.240.0 |"),
            "ci-info: | eth0 | True | <ip> | <ip> |"
        );
        assert_eq!(
            redact("Cloud-init v. 23.4.4 running on ip-172-31-5-17.ec2.internal"),
            "Cloud-init v. 23.4.4 running on <host>"
        );
        assert_eq!(
            redact("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl root@x"),
            "<key> root@x"
        );
        assert_eq!(
            redact("token=ghp_0123456789abcdefghijklmnopqrstuvwxyz done"),
            "token=<secret> done"
        );
        assert_eq!(
            redact("Kernel panic - not syncing: VFS: Unable to mount root fs"),
            "Kernel panic - not syncing: VFS: Unable to mount root fs"
        );
        assert_eq!(
            redact("[   57.551987] exit status 100"),
            "[   57.551987] exit status 100"
        );
        assert_eq!(
            redact("at 14:51:01 and fe80::1ff:fe23:4567:890a"),
            "at 14:51:01 and <ipv6>"
        );
    }
}
