//! The `umoci` binary: parse argv, run the command, print any error as one
//! line on stderr and exit non-zero.

mod cli;

fn main() {
    raise_open_file_limit();
    std::process::exit(cli::main(std::env::args_os().collect()));
}

/// Walking a deep tree keeps one descriptor open per level; allow as many
/// as the hard limit does, not just the conventional soft 1024.
fn raise_open_file_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// mimalloc keeps freed memory for reuse instead of returning (and then
/// faulting in again) pages: a walk of a large tree allocates and frees
/// small buffers for every entry.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
