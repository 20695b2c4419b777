//! The `bootline` command: everything it does lives in the library; see [`bootline::main`].

fn main() -> std::process::ExitCode {
    bootline::main()
}
