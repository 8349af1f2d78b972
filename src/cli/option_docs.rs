//! What each option does, at man-page length: the help keeps upstream's
//! one-line texts, the man pages say what the option really does.

/// `(pages, long flag, text)`: `pages` is `*` for every page with the
/// flag, else the page names it is for (a more specific row comes first).
pub const OPTION_DOCS: &[(&str, &str, &str)] = &[
    ("umoci-repack", "image", "The layout and the tag to save the new image as, LAYOUT[:TAG] (TAG defaults to \"latest\"; a tag of that name is moved). LAYOUT must be the layout the bundle was unpacked from: the new layer is appended to the very image the bundle recorded in its umoci.json, whatever TAG names now."),
    ("umoci-new", "image", "Where to create the empty image, LAYOUT:TAG; the tag is moved if it exists."),
    ("*", "image", "The image to work on, LAYOUT[:TAG]: LAYOUT is an OCI image layout directory and TAG a tag in it (default \"latest\"). A reference such as docker://... is not a layout: copy the image into one with skopeo-copy(1) first."),
    ("*", "layout", "The OCI image layout directory."),
    ("*", "tag", "The tag to save the changed image as. Without it the tag given to --image moves to the new image; the old image stays in the layout until umoci-gc(1) removes what no tag needs."),
    ("*", "rootless", "Work as an unprivileged user: every file belongs to you, the owner an entry should have in the container is kept in its user.rootlesscontainers xattr (and read back from it by umoci-repack(1)), device nodes become empty files, and entries that deny their owner access are opened up only for as long as they are read, then given their modes back. Implies --uid-map=0:$(id -u):1 and --gid-map=0:$(id -g):1 unless maps are given. Chosen by itself, with a note, when umoci runs as a user other than root."),
    ("umoci-unpack umoci-raw-unpack", "uid-map", "A range of container uids and the host uids they map to, container:host[:size] (size 1 if not given), as in user_namespaces(7); give it once per range. Owners in the layers are translated through it when unpacking (and back by umoci-repack(1), which reads the maps from the bundle's umoci.json); the bundle's config.json gets the mappings."),
    ("*", "uid-map", "A range of container uids and the host uids they map to, container:host[:size] (size 1 if not given), as in user_namespaces(7); give it once per range."),
    ("*", "gid-map", "Like --uid-map, for group ids."),
    ("*", "keep-dirlinks", "Where a layer has a directory and the rootfs already holds a symlink to a directory at that path, write the layer's contents through the symlink (into its target, which stays inside the rootfs) instead of replacing the symlink with a directory, as rsync's option of the same name does."),
    ("*", "compress", "How new layer blobs are compressed: none, gzip or zstd, each optionally with a level (gzip:1 to gzip:12, zstd:1 to zstd:22; plain gzip means level 2, plain zstd level 3). The default, auto, uses the compression of the image's newest layer, and gzip when there is no layer or it is uncompressed: auto never chooses none. umoci-unpack(1) reads every one of them."),
    ("umoci-repack umoci-insert umoci-raw-add-layer", "no-history", "Append no history entry. Not recommended here: tools that read an image's history then find fewer entries than layers."),
    ("*", "no-history", "Append no history entry for this change."),
    ("*", "history.author", "The author of the history entry; without it, the image's author (after this command's changes)."),
    ("*", "history.comment", "The comment of the history entry."),
    ("*", "history.created", "When the history entry says the change was made, an RFC 3339 time such as 2024-01-02T03:04:05Z; without it SOURCE_DATE_EPOCH, or now."),
    ("*", "history.created_by", "The created_by of the history entry; without it, the command that made the change (\"umoci repack\", say)."),
    ("*", "mask-path", "A path in the rootfs whose changes, and those of everything beneath it, are left out of the new layer; give it once per path. The image's volumes are masked too unless --no-mask-volumes is given. The root (/) masks nothing."),
    ("*", "no-mask-volumes", "Put changes beneath the image's volumes (config.volume) into the new layer too; by default they are left out, since a runtime mounts something else there."),
    ("*", "refresh-bundle", "After repacking, rewrite the bundle's mtree manifest and umoci.json so that they describe the new image: the bundle is then as if the new tag had been unpacked, and the next repack only packs what changes after this one."),
    ("*", "whiteout", "Instead of adding content, add a whiteout: the target is removed from the image as seen by anyone unpacking it. Needs only the target argument."),
    ("*", "opaque", "Hide everything lower layers hold beneath the target directory before adding the source: the target ends up holding exactly the source's contents, instead of the two merged."),
    ("*", "json", "Print the image's history and layers as JSON. Only the JSON is a stable interface; the default text is for people and may change."),
    ("*", "rootfs", "A rootfs (an unpacked image) whose /etc/passwd and /etc/group resolve a user or group named in the image's config; without it a named user cannot be resolved and root is used, with a warning."),
    ("*", "clear", "Empty a list or map before this command's values are added: config.labels, manifest.annotations, config.exposedports, config.env, config.volume, config.cmd or config.entrypoint."),
    ("*", "help", "Print help (the same with -h)."),
];
