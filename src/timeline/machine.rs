//! Which files of one folder are one machine: the commonest real capture is one VM's `/var/log`
//! bundle (`cloud-init.log`, `cloud-init-output.log`, `dmesg`, `messages`, a journal) in a folder
//! named after a project, not after an instance. Files whose boots line up on the wall clock
//! (the same kernel starts within [`SAME_MACHINE_SECS`]) are one machine: a boot with no id of
//! its own joins the machine an id names, or the machine of the other files that line up with
//! it. A file with no wall clock of its own joins the folder's machine only when the folder
//! holds one machine of one boot; otherwise it stays alone, and that is said. Ids never join
//! each other: files of different machines (other dates, other ids) stay apart.

use std::collections::BTreeMap;
use std::path::Path;

use super::fragment::Digest;
use super::identity::IdentitySource;

/// Kernel starts of two files closer than this are the same boot of one machine, seconds:
/// banners give seconds, kernel lines and journals better.
pub const SAME_MACHINE_SECS: f64 = 10.0;

/// A fragment, by digest and position.
type At = (usize, usize);

/// One machine of a folder while it is being found.
#[derive(Debug)]
struct Machine {
    /// Its instance name: the id that names it, else its first file.
    name: String,
    /// Whether an id inside a log names it.
    named: bool,
    /// The kernel starts of its boots, epoch seconds.
    zeros: Vec<f64>,
    /// The fragments without an id of their own that joined it.
    joined: Vec<At>,
}

impl Machine {
    /// How far its nearest boot's kernel start is from `zero`, seconds.
    fn distance(&self, zero: f64) -> f64 {
        self.zeros
            .iter()
            .map(|z| (z - zero).abs())
            .fold(f64::INFINITY, f64::min)
    }

    /// Its boots: kernel starts further apart than [`SAME_MACHINE_SECS`].
    fn boots(&self) -> usize {
        let mut z = self.zeros.clone();
        z.sort_by(f64::total_cmp);
        z.windows(2)
            .filter(|w| w[1] - w[0] >= SAME_MACHINE_SECS)
            .count()
            + usize::from(!z.is_empty())
    }
}

/// Joins the files of each folder that are one machine (the default `--identity content` rule):
/// renames the instance of every boot that joins, and names the evidence. Returns one line for
/// each file that could not be placed (for stderr).
pub fn join(digests: &mut [Digest]) -> Vec<String> {
    let mut folders: BTreeMap<String, Vec<At>> = BTreeMap::new();
    for (d, digest) in digests.iter().enumerate() {
        for (f, frag) in digest.fragments.iter().enumerate() {
            let joinable = !matches!(
                frag.identity,
                Some(IdentitySource::Folder) | Some(IdentitySource::PlatformEvents) | None
            );
            if joinable {
                let folder = Path::new(&*frag.source)
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                folders.entry(folder).or_default().push((d, f));
            }
        }
    }
    let mut notes = Vec::new();
    for (folder, members) in folders {
        join_folder(digests, &folder, &members, &mut notes);
    }
    notes
}

/// Joins the fragments of one folder.
fn join_folder(digests: &mut [Digest], folder: &str, members: &[At], notes: &mut Vec<String>) {
    let frag = |(d, f): At| &digests[d].fragments[f];
    let mut machines: Vec<Machine> = Vec::new();
    let mut loose: Vec<(f64, At)> = Vec::new();
    let mut clockless: Vec<At> = Vec::new();
    let mut machine_ids: Vec<(f64, At)> = Vec::new();
    // Machines an instance id names, with every boot their files show.
    for &at in members {
        let f = frag(at);
        match (f.identity, f.kernel_zero) {
            (Some(IdentitySource::File), Some(z)) => {
                loose.push((z, at));
                continue;
            }
            (Some(IdentitySource::File), None) => {
                clockless.push(at);
                continue;
            }
            // journald's machine id outlives an instance (an image keeps it): a boot it names
            // joins the instance whose boot lines up with it, else the machine it names.
            (Some(IdentitySource::JournaldMachine), Some(z)) => {
                machine_ids.push((z, at));
                continue;
            }
            _ => {}
        }
        let k = match machines.iter().position(|m| m.name == f.instance) {
            Some(k) => k,
            None => {
                machines.push(Machine {
                    name: f.instance.clone(),
                    named: true,
                    zeros: Vec::new(),
                    joined: Vec::new(),
                });
                machines.len() - 1
            }
        };
        machines[k].zeros.extend(f.kernel_zero);
    }
    for (zero, at) in machine_ids {
        let instance = frag(at).instance.clone();
        match machines
            .iter()
            .position(|m| m.named && m.distance(zero) < SAME_MACHINE_SECS)
        {
            Some(k) => {
                machines[k].zeros.push(zero);
                machines[k].joined.push(at);
            }
            None => match machines.iter().position(|m| m.name == instance) {
                Some(k) => machines[k].zeros.push(zero),
                None => machines.push(Machine {
                    name: instance,
                    named: true,
                    zeros: vec![zero],
                    joined: Vec::new(),
                }),
            },
        }
    }
    // Boots without an id join the machine whose boot lines up with theirs, the nearest;
    // those that line up with none start a machine of their own.
    loose.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (zero, at) in loose {
        let nearest = machines
            .iter()
            .enumerate()
            .map(|(k, m)| (m.distance(zero), k))
            .filter(|(d, _)| *d < SAME_MACHINE_SECS)
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match nearest {
            Some((_, k)) => {
                machines[k].zeros.push(zero);
                machines[k].joined.push(at);
            }
            None => machines.push(Machine {
                name: frag(at).source.to_string(),
                named: false,
                zeros: vec![zero],
                joined: vec![at],
            }),
        }
    }
    // A file with no wall clock joins the only machine of the folder, when it had one boot.
    let sole = match machines.as_slice() {
        [m] if m.boots() == 1 => Some(0),
        _ => None,
    };
    let mut unplaced: Vec<&str> = Vec::new();
    for &at in &clockless {
        match sole {
            Some(k) => machines[k].joined.push(at),
            None if !members.iter().all(|&m| frag(m).source == frag(at).source) => {
                unplaced.push(&digests[at.0].fragments[at.1].source);
            }
            None => {}
        }
    }
    unplaced.sort_unstable();
    unplaced.dedup();
    for source in unplaced {
        let why = if machines.len() == 1 {
            "its machine had more than one boot"
        } else {
            "the folder holds more than one machine"
        };
        notes.push(format!(
            "{source} has no wall clock of its own to place it among the files of {folder}, and \
             {why}: kept as its own instance"
        ));
    }
    // Rename what joined: to the id that names the machine, else to the folder (its only
    // machine) or the machine's first file. A machine of one file stays as it was.
    let only = machines.len() == 1;
    for m in machines {
        let mut files: Vec<&str> = m
            .joined
            .iter()
            .map(|&(d, f)| &*digests[d].fragments[f].source)
            .collect();
        files.sort_unstable();
        files.dedup();
        if !m.named && files.len() < 2 {
            continue;
        }
        let name = match (m.named, only) {
            (true, _) => m.name,
            (false, true) if !folder.is_empty() => folder.to_string(),
            (false, _) => files[0].to_string(),
        };
        for (d, f) in m.joined {
            let f = &mut digests[d].fragments[f];
            f.identity = Some(if f.kernel_zero.is_some() {
                IdentitySource::Clock
            } else {
                IdentitySource::SoleMachine
            });
            f.instance = name.clone();
        }
    }
}
