//! `report.md`: the pull-request page, GitHub-flavoured Markdown, a pure function of the
//! report. It fits a pull-request body (at most [`BODY_LIMIT`] characters): long lists fold into
//! `<details>` and are cut, with a count, until it does.
