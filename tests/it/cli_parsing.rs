//! Global flags, help, version and upstream's argv conventions.

use crate::common::*;

#[test]
fn version_names_umoci_and_the_spec_versions() {
    let out = umoci(&["--version"]).ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("umoci version {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        lines.iter().any(|l| l.starts_with("image spec: 1.")),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("runtime spec: 1.")),
        "{out}"
    );
    assert_eq!(umoci(&["-v"]).ok(), out);
}

#[test]
fn help_uses_upstream_layout_for_every_command() {
    for cmd in [
        "init", "list", "gc", "new", "tag", "remove", "stat", "config",
    ] {
        let out = umoci(&[cmd, "--help"]).ok();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "NAME:", "{cmd}: {out}");
        assert!(
            lines[1].starts_with(&format!("   umoci {cmd} - ")),
            "{cmd}: {out}"
        );
        assert!(out.contains("USAGE:"), "{cmd}: {out}");
        // `umoci help CMD` prints the same page.
        assert_eq!(umoci(&["help", cmd]).ok(), out, "{cmd}");
    }
    for (args, line) in [
        (&["raw", "unpack", "--help"][..], "   umoci raw unpack - "),
        (
            &["raw", "runtime-config", "--help"][..],
            "   umoci raw runtime-config - ",
        ),
        (
            &["raw", "config", "--help"][..],
            "   umoci raw runtime-config - ",
        ),
        (
            &["raw", "add-layer", "--help"][..],
            "   umoci raw add-layer - ",
        ),
    ] {
        let out = umoci(args).ok();
        assert!(
            out.lines().nth(1).unwrap().starts_with(line),
            "{args:?}: {out}"
        );
    }
    let raw = umoci(&["raw", "--help"]).ok();
    for sub in ["unpack", "runtime-config", "add-layer"] {
        assert!(raw.contains(sub), "raw help lacks {sub}: {raw}");
    }
    assert!(!raw.contains("mtree-validate"), "mtree-validate is hidden");
    let top = umoci(&["h"]).ok();
    assert!(top.starts_with("NAME:\n   umoci - "), "{top}");
    for cmd in [
        "init", "list", "gc", "new", "tag", "remove", "stat", "config",
    ] {
        assert!(
            top.contains(&format!("  {cmd} ")),
            "top-level help lacks {cmd}: {top}"
        );
    }
}

#[test]
fn aliases_reach_the_same_commands() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    assert_eq!(umoci(&["list", "--layout", s(&layout)]).ok(), "latest\n");
    assert_eq!(
        umoci(&["ls", "--help"]).ok(),
        umoci(&["list", "--help"]).ok()
    );
    umoci(&["tag", "--image", &image_arg(&layout, "latest"), "other"]).ok();
    umoci(&["remove", "--image", &image_arg(&layout, "other")]).ok();
    assert_eq!(umoci(&["ls", "--layout", s(&layout)]).ok(), "latest\n");
}

#[test]
fn single_dash_long_flags_and_explicit_booleans_are_accepted() {
    let hello = hello_image();
    assert_eq!(umoci(&["ls", "-layout", s(&hello)]).ok(), "latest\n");
    assert_eq!(
        umoci(&["--verbose=false", "ls", "--layout", s(&hello)]).ok(),
        "latest\n"
    );
    assert_eq!(
        umoci(&["--log=error", "ls", "--layout", s(&hello)]).ok(),
        "latest\n"
    );
    let stat = umoci(&["stat", "-image", &image_arg(&hello, "latest"), "-json=true"]).ok();
    assert!(
        serde_json::from_str::<serde_json::Value>(&stat).is_ok(),
        "{stat}"
    );
}

#[test]
fn log_and_verbose_conflict() {
    let hello = hello_image();
    umoci(&["--log", "info", "--verbose", "ls", "--layout", s(&hello)])
        .fails_with("mutually exclusive");
}

#[test]
fn bad_log_level_is_an_error() {
    let hello = hello_image();
    umoci(&["--log", "bogus", "ls", "--layout", s(&hello)]).fails_with("bogus");
}

#[test]
fn usage_errors_exit_as_upstream() {
    // Upstream's CLI library: an unknown flag is "Incorrect Usage" and the
    // command's help on stdout, the error on stderr, status 1; an unknown
    // command is "No help topic", status 3; a command group alone prints
    // its help and succeeds. Debian's umoci is compared where installed.
    let hello = hello_image();
    let mut binaries = vec![umoci_bin().to_owned()];
    if have_tool("umoci") {
        binaries.push("umoci".to_owned());
    }
    for bin in &binaries {
        let out = run(bin, &["ls", "--layout", s(&hello), "--bogus"]);
        assert_eq!(out.status, 1, "{bin}: {}", out.stderr);
        assert_eq!(
            out.stderr.trim(),
            "⨯ flag provided but not defined: -bogus",
            "{bin}"
        );
        assert!(
            out.stdout.starts_with(
                "Incorrect Usage: flag provided but not defined: -bogus\n\nNAME:\n   umoci list - "
            ),
            "{bin}: {}",
            out.stdout
        );
        // Global flags belong before the command.
        let out = run(bin, &["ls", "--verbose", "--layout", s(&hello)]);
        assert_eq!(out.status, 1, "{bin}");
        assert!(out.stderr.contains("-verbose"), "{bin}: {}", out.stderr);

        let out = run(bin, &["nosuch"]);
        assert_eq!(out.status, 3, "{bin}");
        // Upstream's line first (ours then says where the commands are).
        assert_eq!(
            out.stderr.lines().next(),
            Some("No help topic for 'nosuch'"),
            "{bin}"
        );

        let out = run(bin, &["raw"]);
        assert_eq!(out.status, 0, "{bin}: {}", out.stderr);
        assert!(out.stdout.starts_with("NAME:\n   umoci raw - "), "{bin}");
    }
}

#[test]
fn missing_required_flags_name_the_flag() {
    umoci(&["ls"]).fails_with("--layout");
    umoci(&["stat"]).fails_with("--image");
}

#[test]
fn verbose_logs_debug_lines_on_stderr() {
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let run = umoci(&["--log", "debug", "gc", "--layout", s(&layout)]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "gc prints nothing on stdout: {}",
        run.stdout
    );
    let quiet = umoci(&["--log", "error", "gc", "--layout", s(&layout)]);
    assert_eq!(quiet.status, 0);
    assert!(
        quiet.stderr.is_empty(),
        "--log error must silence info lines: {}",
        quiet.stderr
    );
}

#[test]
fn history_and_positional_arguments_are_checked_as_upstream() {
    // Messages as upstream 0.6.0's cmd/umoci (utils_ux.go, insert.go,
    // raw-add-layer.go); each is a usage error with exit status 1, and
    // nothing is written.
    let dir = tempdir();
    let layout = copy_hello(dir.path(), "img");
    let image = image_arg(&layout, "latest");
    let bundle = dir.path().join("bundle");
    unpack(&layout, "latest", &bundle).ok();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let before = snapshot(&layout);
    for (flag, value) in [
        ("--history.author", "me"),
        ("--history.comment", "c"),
        ("--history.created", "2020-01-01T00:00:00Z"),
        ("--history.created_by", "sh"),
    ] {
        let want = format!("--no-history and {flag} may not be specified together");
        for args in [
            vec!["config", "--image", &image, "--config.user", "x"],
            vec!["repack", "--image", &image, s(&bundle)],
            vec!["insert", "--image", &image, s(&file), "/file"],
            vec!["raw", "add-layer", "--image", &image, s(&file)],
        ] {
            let mut args = args.clone();
            args.extend(["--no-history", flag, value]);
            umoci(&args).fails_with(&want);
        }
    }
    umoci(&["insert", "--image", &image, s(&file)])
        .fails_with("invalid number of positional arguments: expected 2");
    umoci(&["insert", "--image", &image, "--whiteout", "/a", "/b"])
        .fails_with("invalid number of positional arguments: expected 1");
    umoci(&["insert", "--image", &image, s(&file), ""])
        .fails_with("invalid positional argument 1: arguments cannot be empty");
    umoci(&["insert", "--image", &image, "--whiteout", ""])
        .fails_with("invalid positional argument 0: arguments cannot be empty");
    umoci(&["raw", "add-layer", "--image", &image, s(&file), s(&file)])
        .fails_with("invalid number of positional arguments: expected <newlayer.tar>");
    umoci(&["raw", "add-layer", "--image", &image])
        .fails_with("invalid number of positional arguments: expected <newlayer.tar>");
    umoci(&["raw", "add-layer", "--image", &image, ""])
        .fails_with("<new-layer.tar> path cannot be empty");
    assert_eq!(snapshot(&layout), before);
}

#[test]
fn paths_that_are_not_utf8_work_in_every_path_argument() {
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let dir = tempdir();
    let base = dir.path().join(OsStr::from_bytes(b"d\xff\xfe"));
    std::fs::create_dir(&base).unwrap();
    let layout = copy_hello(&base, "img\u{e9}");
    let layout = {
        // Rename the layout to a non-UTF-8 name too.
        let raw = base.join(OsStr::from_bytes(b"img\xe9"));
        std::fs::rename(&layout, &raw).unwrap();
        raw
    };
    let bundle = base.join(OsStr::from_bytes(b"bundle\xff"));
    let source = base.join(OsStr::from_bytes(b"src\xfe"));
    std::fs::write(&source, b"inserted").unwrap();
    let image = |tag: &str| {
        let mut arg = layout.clone().into_os_string().into_vec();
        arg.extend_from_slice(format!(":{tag}").as_bytes());
        OsString::from_vec(arg)
    };
    let umoci_os = |args: Vec<&OsStr>| {
        let out = std::process::Command::new(umoci_bin())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let o = OsStr::new;
    umoci_os(vec![
        o("unpack"),
        o("--image"),
        &image("latest"),
        bundle.as_os_str(),
    ]);
    std::fs::write(bundle.join("rootfs/new"), b"x").unwrap();
    umoci_os(vec![
        o("repack"),
        o("--image"),
        &image("latest"),
        bundle.as_os_str(),
    ]);
    umoci_os(vec![
        o("insert"),
        o("--image"),
        &image("latest"),
        source.as_os_str(),
        OsStr::from_bytes(b"/target\xfd"),
    ]);
    umoci_os(vec![o("stat"), o("--image"), &image("latest")]);
    umoci_os(vec![o("ls"), o("--layout"), layout.as_os_str()]);
    umoci_os(vec![o("gc"), o("--layout"), layout.as_os_str()]);
    let rootfs = base.join(OsStr::from_bytes(b"rootfs\xff"));
    umoci_os(vec![
        o("raw"),
        o("unpack"),
        o("--image"),
        &image("latest"),
        rootfs.as_os_str(),
    ]);
    assert_eq!(
        std::fs::read(rootfs.join(OsStr::from_bytes(b"target\xfd"))).unwrap(),
        b"inserted"
    );
    assert_eq!(std::fs::read(rootfs.join("new")).unwrap(), b"x");
}

#[test]
fn errors_are_red_on_a_terminal_unless_no_color() {
    // `script` gives the command a terminal, as a person's shell would.
    assert!(have_tool("script"), "script (util-linux) is needed");
    let on_terminal = |env: &str| {
        let command = format!("{env} {} ls --layout /nonexistent", umoci_bin());
        run("script", &["-qec", &command, "/dev/null"]).stdout
    };
    let coloured = on_terminal("");
    assert!(
        coloured.contains("\x1b[31m\x1b[1m   ⨯\x1b[22m "),
        "{coloured:?}"
    );
    let plain = on_terminal("NO_COLOR=1");
    assert!(
        plain.contains("   ⨯ ") && !plain.contains('\x1b'),
        "{plain:?}"
    );
    // Not a terminal: never coloured.
    let piped = umoci(&["ls", "--layout", "/nonexistent"]).stderr;
    assert!(!piped.contains('\x1b'), "{piped:?}");
}

#[test]
fn a_typo_gets_upstreams_error_then_the_closest_real_name() {
    let out = umoci(&["unpak"]);
    assert_eq!(out.status, 3);
    assert_eq!(
        out.stderr,
        "No help topic for 'unpak'\nDid you mean 'unpack'? 'umoci --help' lists the commands.\n"
    );
    let out = umoci(&["raw", "unpack", "--imag", "x", "y"]);
    assert_eq!(out.status, 1);
    assert!(out
        .stdout
        .starts_with("Incorrect Usage: flag provided but not defined: -imag\n"));
    assert!(
        out.stderr
            .ends_with("Did you mean '--image'? 'umoci raw unpack --help' lists the options.\n"),
        "{}",
        out.stderr
    );
    // Nothing close: upstream's line and where the commands are listed.
    let out = umoci(&["frobnicate"]);
    assert_eq!(
        out.stderr,
        "No help topic for 'frobnicate'\n'umoci --help' lists the commands.\n"
    );
}

#[test]
fn progress_shows_on_a_terminal_with_a_percentage_and_nowhere_else() {
    assert!(have_tool("script"), "script (util-linux) is needed");
    let dir = tempdir();
    let bundle = dir.path().join("bundle");
    let command = format!(
        "{} unpack --image {} {}",
        umoci_bin(),
        image_arg(&hello_image(), "latest"),
        s(&bundle)
    );
    let shown = run("script", &["-qec", &command, "/dev/null"]).stdout;
    assert!(shown.contains("unpack layer 1/1: 100% "), "{shown:?}");
    let piped = unpack(&hello_image(), "latest", &dir.path().join("piped"));
    assert_eq!(piped.status, 0);
    assert!(piped.stderr.is_empty(), "{}", piped.stderr);
}
