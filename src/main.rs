//! The `umoci` binary: parse argv, run the command, print any error as one
//! line on stderr and exit non-zero.

mod cli;

fn main() {
    std::process::exit(cli::main(std::env::args_os().collect()));
}
