//! Which files of one folder are one machine: the commonest real capture is one VM's `/var/log`
//! bundle (`cloud-init.log`, `cloud-init-output.log`, `dmesg`, `messages`, a journal) in a folder
//! named after a project, not after an instance. Files whose boots line up on the wall clock
//! (the same kernel starts within [`SAME_MACHINE_SECS`]) are one machine: a boot with no id of
//! its own joins the machine an id names, or the machine of the other files that line up with
//! it. A file with no wall clock of its own joins the folder's machine only when the folder
//! holds one machine of one boot; otherwise it stays alone, and that is said. Ids never join
//! each other: files of different machines (other dates, other ids) stay apart.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::Datelike;

use super::fragment::{Fragment, SourceBoots, When};
use super::identity::IdentitySource;

/// Kernel starts of two files closer than this are the same boot of one machine, seconds:
/// banners give seconds, kernel lines and journals better.
pub(crate) const SAME_MACHINE_SECS: f64 = 10.0;

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
pub(crate) fn join(digests: &mut [SourceBoots]) -> Vec<String> {
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
    // One line a file, however many of its boots it is about.
    let mut seen = std::collections::BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    notes
}

/// An epoch time in whole milliseconds, the key of a folder's index of kernel starts.
fn millis(secs: f64) -> i64 {
    (secs * 1e3).round() as i64
}

/// The shift, seconds, that moves a kernel start read in a stand-in year (`zero`) onto a boot of
/// one of `machines` (the same day and time within [`SAME_MACHINE_SECS`] in that boot's year),
/// and that machine's name.
fn year_from(machines: &[Machine], zero: f64) -> Option<(f64, String)> {
    let at = chrono::DateTime::from_timestamp_millis((zero * 1e3).round() as i64)?;
    machines.iter().find_map(|m| {
        m.zeros.iter().find_map(|&z| {
            let year = chrono::DateTime::from_timestamp(z as i64, 0)?.year();
            let moved = at.with_year(year)?.timestamp_millis() as f64 / 1e3;
            ((moved - z).abs() < SAME_MACHINE_SECS).then(|| (moved - zero, m.name.clone()))
        })
    })
}

/// How long after its kernel's start a file without one may begin and still be placed in that
/// boot: a log rotated mid-boot continues it.
const RUNNING_SECS: f64 = 86_400.0;

/// How long after a kernel's start the first line of a file with no year may come, for the file
/// to be dated by that boot.
const UNDATED_SECS: f64 = 3_600.0;

/// The machine whose boot was running when `f` (wall times, no kernel start) began, and the shift
/// that dates it when its stamps name no year: the latest kernel start before its first moment.
fn running_at(machines: &[Machine], f: &Fragment) -> Option<(usize, f64)> {
    let Some(When::Wall(first)) = f.first else {
        return None;
    };
    let mut best: Option<(usize, f64, f64)> = None;
    for (k, m) in machines.iter().enumerate() {
        for &z in &m.zeros {
            let (at, window) = if f.undated {
                let year = chrono::DateTime::from_timestamp(z as i64, 0)?.year();
                let t = chrono::DateTime::from_timestamp_millis((first * 1e3).round() as i64)?;
                (
                    t.with_year(year)?.timestamp_millis() as f64 / 1e3,
                    UNDATED_SECS,
                )
            } else {
                (first, RUNNING_SECS)
            };
            let after = at - z;
            if after > -SAME_MACHINE_SECS && after < window && best.is_none_or(|b| z > b.1) {
                best = Some((k, z, at - first));
            }
        }
    }
    best.map(|(k, _, shift)| (k, shift))
}

/// A folder's fragments while its machines are found: what each is, and what was decided.
#[derive(Debug, Default)]
struct Folder {
    machines: Vec<Machine>,
    /// Each named machine's position in `machines`, by name.
    by_name: HashMap<String, usize>,
    /// The machines' kernel starts, milliseconds → positions in `machines`: what lines up with a
    /// boot is found by a range, not by a walk over every machine.
    starts: BTreeMap<i64, Vec<usize>>,
    /// The last machine a fragment of each file joined.
    last_of_file: HashMap<String, usize>,
    /// Boots without an id, with their kernel starts.
    loose: Vec<(f64, At)>,
    /// Boots without an id or a kernel start.
    clockless: Vec<At>,
    /// Boots journald's machine id names, with their kernel starts.
    machine_ids: Vec<(f64, At)>,
    /// Boots dated by the machine they joined, with the shift.
    dated: Vec<(At, f64)>,
}

/// Joins the fragments of one folder.
fn join_folder(digests: &mut [SourceBoots], folder: &str, members: &[At], notes: &mut Vec<String>) {
    let mut f = Folder::sort(digests, members);
    f.join_machine_ids(digests);
    f.date_loose(digests, notes);
    f.join_loose(digests);
    f.place_clockless(digests, folder, members, notes);
    for ((d, k), shift) in std::mem::take(&mut f.dated) {
        digests[d].fragments[k].shift_wall(shift);
    }
    f.rename(digests, folder);
}

impl Folder {
    /// Sorts a folder's boots by what names them; machines an instance id names start with
    /// every boot their files show.
    fn sort(digests: &[SourceBoots], members: &[At]) -> Self {
        let mut me = Folder::default();
        for &at in members {
            let f = &digests[at.0].fragments[at.1];
            match (f.identity, f.kernel_zero) {
                (Some(IdentitySource::File), Some(z)) => me.loose.push((z, at)),
                (Some(IdentitySource::File), None) => me.clockless.push(at),
                // journald's machine id outlives an instance (an image keeps it): a boot it
                // names joins the instance whose boot lines up with it, else its own machine.
                (Some(IdentitySource::JournaldMachine), Some(z)) => me.machine_ids.push((z, at)),
                _ => {
                    let k = me.machine(&f.instance);
                    if let Some(z) = f.kernel_zero {
                        me.add_start(k, z);
                    }
                }
            }
        }
        me
    }

    /// The position of the named machine `name`, made when new.
    fn machine(&mut self, name: &str) -> usize {
        if let Some(&k) = self.by_name.get(name) {
            return k;
        }
        self.machines.push(Machine {
            name: name.to_string(),
            named: true,
            zeros: Vec::new(),
            joined: Vec::new(),
        });
        self.by_name
            .insert(name.to_string(), self.machines.len() - 1);
        self.machines.len() - 1
    }

    /// Gives machine `k` a boot that started at `zero`.
    fn add_start(&mut self, k: usize, zero: f64) {
        self.machines[k].zeros.push(zero);
        self.starts.entry(millis(zero)).or_default().push(k);
    }

    /// Machine `k` takes the fragment at `at` (of file `file`), whose boot started at `zero`.
    fn attach(&mut self, k: usize, zero: f64, at: At, file: &str) {
        self.add_start(k, zero);
        self.machines[k].joined.push(at);
        let last = self.last_of_file.entry(file.to_string()).or_insert(k);
        *last = (*last).max(k);
    }

    /// The machines with a boot that started within [`SAME_MACHINE_SECS`] of `zero`, each with
    /// its nearest such start's distance, in no particular order.
    fn lined_up(&self, zero: f64) -> Vec<(f64, usize)> {
        let reach = (SAME_MACHINE_SECS * 1e3) as i64 + 1;
        let mut near: Vec<(f64, usize)> = Vec::new();
        for (_, ks) in self
            .starts
            .range(millis(zero) - reach..=millis(zero) + reach)
        {
            for &k in ks {
                let d = self.machines[k].distance(zero);
                if d < SAME_MACHINE_SECS {
                    near.push((d, k));
                }
            }
        }
        near
    }

    /// Boots journald names join the instance whose boot lines up, else their own machine.
    fn join_machine_ids(&mut self, digests: &[SourceBoots]) {
        for (zero, at) in std::mem::take(&mut self.machine_ids) {
            let f = &digests[at.0].fragments[at.1];
            let lined_up = self
                .lined_up(zero)
                .into_iter()
                .filter(|&(_, k)| self.machines[k].named)
                .map(|(_, k)| k)
                .min();
            match lined_up {
                Some(k) => self.attach(k, zero, at, &f.source),
                None => {
                    let k = self.machine(&f.instance);
                    self.add_start(k, zero);
                }
            }
        }
    }

    /// A file whose stamps name no year takes it from the machine its boots line up with.
    fn date_loose(&mut self, digests: &[SourceBoots], notes: &mut Vec<String>) {
        for (zero, at) in &mut self.loose {
            let f = &digests[at.0].fragments[at.1];
            if !f.undated {
                continue;
            }
            if let Some((shift, name)) = year_from(&self.machines, *zero) {
                *zero += shift;
                self.dated.push((*at, shift));
                let year = chrono::DateTime::from_timestamp(*zero as i64, 0).map(|t| t.year());
                notes.push(format!(
                    "{}: its stamps name no year; dated {} by the files of {name}",
                    f.source,
                    year.unwrap_or_default()
                ));
            }
        }
    }

    /// Boots without an id join the machine whose boot lines up with theirs, the nearest; one
    /// that lines up with none stays with the machine of its file's earlier boots (the machine
    /// is the same until the file says otherwise), else starts a machine of its own.
    fn join_loose(&mut self, digests: &[SourceBoots]) {
        let source = |(d, f): At| &*digests[d].fragments[f].source;
        let mut loose = std::mem::take(&mut self.loose);
        loose.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (zero, at) in loose {
            let nearest = self
                .lined_up(zero)
                .into_iter()
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(_, k)| k);
            let same_file = || self.last_of_file.get(source(at)).copied();
            let k = nearest.or_else(same_file).unwrap_or_else(|| {
                self.machines.push(Machine {
                    name: source(at).to_string(),
                    named: false,
                    zeros: Vec::new(),
                    joined: Vec::new(),
                });
                self.machines.len() - 1
            });
            self.attach(k, zero, at, source(at));
        }
    }

    /// A file with wall times but no kernel start joins the boot running when it begins; one
    /// with no wall clock joins the only machine of the folder when it had one boot, and
    /// otherwise stays alone, said once.
    fn place_clockless(
        &mut self,
        digests: &[SourceBoots],
        folder: &str,
        members: &[At],
        notes: &mut Vec<String>,
    ) {
        let source = |(d, f): At| &*digests[d].fragments[f].source;
        let sole = match self.machines.as_slice() {
            [m] if m.boots() == 1 => Some(0),
            _ => None,
        };
        let mut unplaced: Vec<&str> = Vec::new();
        for at in std::mem::take(&mut self.clockless) {
            if let Some((k, shift)) = running_at(&self.machines, &digests[at.0].fragments[at.1]) {
                self.machines[k].joined.push(at);
                if shift != 0.0 {
                    self.dated.push((at, shift));
                    notes.push(format!(
                        "{}: its stamps name no year; dated by the files of {}",
                        source(at),
                        self.machines[k].name
                    ));
                }
                continue;
            }
            match sole {
                Some(k) => self.machines[k].joined.push(at),
                None if !members.iter().all(|&m| source(m) == source(at)) => {
                    unplaced.push(source(at));
                }
                None => {}
            }
        }
        unplaced.sort_unstable();
        unplaced.dedup();
        let why = if self.machines.len() == 1 {
            "its machine had more than one boot"
        } else {
            "the folder holds more than one machine"
        };
        for source in unplaced {
            notes.push(format!(
                "{source} has no wall clock of its own to place it among the files of {folder}, \
                 and {why}: kept as its own instance"
            ));
        }
    }

    /// Renames what joined: to the id that names the machine, else to the folder (its only
    /// machine) or the machine's first file. A machine of one file stays as it was.
    fn rename(self, digests: &mut [SourceBoots], folder: &str) {
        let only = self.machines.len() == 1;
        for m in self.machines {
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
                let placed = f.kernel_zero.is_some() || matches!(f.first, Some(When::Wall(_)));
                f.identity = Some(if placed {
                    IdentitySource::Clock
                } else {
                    IdentitySource::SoleMachine
                });
                f.instance = name.clone();
            }
        }
    }
}
