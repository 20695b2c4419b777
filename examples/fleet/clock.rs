//! Time as integer microseconds, and the handful of text layouts the logs use. Wall-clock
//! times are microseconds since the Unix epoch (UTC); uptimes are microseconds since kernel
//! start. Integers keep every derived duration exact.

/// Microseconds: a wall-clock instant (since the epoch) or an uptime (since kernel start).
pub type Micros = i64;

/// One second in microseconds.
pub const SEC: Micros = 1_000_000;

/// One millisecond in microseconds.
pub const MS: Micros = 1_000;

/// Seconds as a float to microseconds.
pub fn secs(x: f64) -> Micros {
    (x * SEC as f64).round() as Micros
}

/// Microseconds to seconds as a float.
pub fn to_secs(t: Micros) -> f64 {
    t as f64 / SEC as f64
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A UTC instant from its calendar fields.
pub fn utc(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> Micros {
    ((days_from_civil(year, month, day) * 86_400) + hour * 3600 + min * 60 + sec) * SEC
}

/// Calendar fields of an instant.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    micros: i64,
    weekday: usize,
}

fn fields(t: Micros) -> Fields {
    let secs = t.div_euclid(SEC);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Fields {
        year,
        month,
        day,
        hour: rem / 3600,
        min: rem % 3600 / 60,
        sec: rem % 60,
        micros: t.rem_euclid(SEC),
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

// 2026-06-10T14:51:01Z, or 2026-06-10T15:01:06.153Z when the instant has a fraction
/// RFC 3339 in UTC: whole seconds, or milliseconds when the instant has a fraction.
pub fn rfc3339(t: Micros) -> String {
    let f = fields(t);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        f.year, f.month, f.day, f.hour, f.min, f.sec
    );
    if f.micros == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{:03}Z", f.micros / 1000)
    }
}

// Wed, 10 Jun 2026 14:51:09 +0000
/// RFC 2822 as cloud-init prints it in its banners (seconds truncated).
pub fn rfc2822(t: Micros) -> String {
    let f = fields(t);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[f.weekday],
        f.day,
        MONTHS[(f.month - 1) as usize],
        f.year,
        f.hour,
        f.min,
        f.sec
    )
}

// 2026-06-10 14:51:09,123
/// Python logging's `asctime` (milliseconds truncated), as in `cloud-init.log`.
pub fn asctime(t: Micros) -> String {
    let f = fields(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
        f.year,
        f.month,
        f.day,
        f.hour,
        f.min,
        f.sec,
        f.micros / 1000
    )
}

// Jun 10 14:58:02
/// The BSD syslog stamp (no year), as in `<14>Jun 10 14:58:02 ec2: …` console lines.
pub fn syslog(t: Micros) -> String {
    let f = fields(t);
    format!(
        "{} {:2} {:02}:{:02}:{:02}",
        MONTHS[(f.month - 1) as usize],
        f.day,
        f.hour,
        f.min,
        f.sec
    )
}

// [  413.860123]
/// The printk stamp of an uptime: `[%5lu.%06lu]`.
pub fn printk(up: Micros) -> String {
    format!("[{:5}.{:06}]", up / SEC, up % SEC)
}

/// Truncates an instant to whole milliseconds (what a log with millisecond stamps keeps).
pub fn floor_ms(t: Micros) -> Micros {
    t - t.rem_euclid(MS)
}

/// Truncates an instant to whole seconds.
pub fn floor_sec(t: Micros) -> Micros {
    t - t.rem_euclid(SEC)
}
