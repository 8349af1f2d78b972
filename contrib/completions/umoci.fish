# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_umoci_global_optspecs
    string join \n verbose log= v/version h/help
end

function __fish_umoci_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_umoci_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_umoci_using_subcommand
    set -l cmd (__fish_umoci_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c umoci -n "__fish_umoci_needs_command" -l log -d 'set the log level (debug, info, [warn], error, fatal)' -r -f -a "debug\t''
info\t''
warn\t''
error\t''
fatal\t''"
complete -c umoci -n "__fish_umoci_needs_command" -l verbose -d 'alias for --log=info'
complete -c umoci -n "__fish_umoci_needs_command" -s v -l version -d 'print the version'
complete -c umoci -n "__fish_umoci_needs_command" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "init" -d 'create a new OCI layout'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "new" -d 'creates a blank tagged OCI image'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "list" -d 'lists the set of tags in an OCI layout'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "ls" -d 'lists the set of tags in an OCI layout'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "tag" -d 'creates a new tag in an OCI image'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "remove" -d 'removes a tag from an OCI image'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "rm" -d 'removes a tag from an OCI image'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "gc" -d 'garbage-collects an OCI layout'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "stat" -d 'displays status information of an image manifest'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "config" -d 'modifies the image configuration of an OCI image'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "unpack" -d 'unpacks a reference into an OCI runtime bundle'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "repack" -d 'repacks an OCI runtime bundle into a reference'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "insert" -d 'insert content into an OCI image'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "index" -d 'multi-platform image indexes'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "store" -d 'shared content stores for unpack'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "raw" -d 'advanced internal image tooling'
complete -c umoci -n "__fish_umoci_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand init" -l layout -d 'path to an OCI image layout' -r
complete -c umoci -n "__fish_umoci_using_subcommand init" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand new" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand new" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand list" -l layout -d 'path to an OCI image layout' -r
complete -c umoci -n "__fish_umoci_using_subcommand list" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand ls" -l layout -d 'path to an OCI image layout' -r
complete -c umoci -n "__fish_umoci_using_subcommand ls" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand tag" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand tag" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand remove" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand remove" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand rm" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand rm" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand gc" -l layout -d 'path to an OCI image layout' -r
complete -c umoci -n "__fish_umoci_using_subcommand gc" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand stat" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand stat" -l platform -d 'platform of a multi-platform image to use, as os/arch[/variant] (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand stat" -l json -d 'output the stat information as a JSON encoded blob'
complete -c umoci -n "__fish_umoci_using_subcommand stat" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand config" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l tag -d 'tag name' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l history.author -d 'author value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l history.comment -d 'comment for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l history.created -d 'created value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l history.created_by -d 'created_by value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.user -d 'set the user (user[:group]) the container runs as' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.exposedports -d 'add an exposed port (port/proto)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.env -d 'set an environment variable (NAME=value)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.entrypoint -d 'set the entrypoint (one argument per use)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.cmd -d 'set the default command (one argument per use)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.volume -d 'add a volume' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.label -d 'set a label (name=value)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.workingdir -d 'set the working directory' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l config.stopsignal -d 'set the stop signal' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l created -d 'set the creation time (RFC 3339)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l author -d 'set the image author' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l platform.os -l os -d 'set the platform operating system' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l platform.arch -l architecture -d 'set the platform architecture' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l platform.variant -d 'set the platform variant' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l manifest.annotation -d 'set a manifest annotation (name=value)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l clear -d 'clear a list or map before setting values (config.labels, manifest.annotations, config.exposedports, config.env, config.volume, config.cmd, config.entrypoint)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l platform -d 'platform of a multi-platform image to change, as os/arch[/variant], or \'all\' (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand config" -l no-history -d 'do not create a history entry'
complete -c umoci -n "__fish_umoci_using_subcommand config" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l uid-map -d 'specifies a uid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l gid-map -d 'specifies a gid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l platform -d 'platform of a multi-platform image to use, as os/arch[/variant] (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l store -d 'shared content store to check files out of (created if missing; default: $UMOCI_STORE): a layer already in it is not read again' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l store-link -d 'how files come out of the store: auto, reflink, copy or hardlink' -r -f -a "auto\t'reflink where the file system can, else copy (the default)'
reflink\t'share blocks with the store (FICLONE); safe to edit in place'
copy\t'copy the bytes; safe to edit in place'
hardlink\t'share inodes with the store and other bundles: replace files, never edit them in place'"
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l rootless -d 'enable rootless command support'
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -l keep-dirlinks -d 'don\'t clobber underlying symlinks on existing directories'
complete -c umoci -n "__fish_umoci_using_subcommand unpack" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l history.author -d 'author value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l history.comment -d 'comment for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l history.created -d 'created value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l history.created_by -d 'created_by value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l compress -d 'compression algorithm for newly created layer blobs, optionally with a level (gzip:9, zstd:19)' -r -f -a "auto\t'the newest layer\'s compression (never none); gzip if there is none'
none\t'an uncompressed tar'
gzip\t'gzip at level 2; gzip:LEVEL for 1 to 12'
zstd\t'zstd at level 3; zstd:LEVEL for 1 to 22'"
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l mask-path -d 'set of path prefixes in which deltas will be ignored when generating new layers' -r
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l platform -d 'platform of a multi-platform image to use, as os/arch[/variant] (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l no-history -d 'do not create a history entry'
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l no-mask-volumes -d 'do not add the Config.Volumes paths to the list of masked paths'
complete -c umoci -n "__fish_umoci_using_subcommand repack" -l refresh-bundle -d 'update the mtree manifest and umoci.json of the bundle after repacking'
complete -c umoci -n "__fish_umoci_using_subcommand repack" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l tag -d 'tag name' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l history.author -d 'author value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l history.comment -d 'comment for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l history.created -d 'created value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l history.created_by -d 'created_by value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l compress -d 'compression algorithm for newly created layer blobs, optionally with a level (gzip:9, zstd:19)' -r -f -a "auto\t'the newest layer\'s compression (never none); gzip if there is none'
none\t'an uncompressed tar'
gzip\t'gzip at level 2; gzip:LEVEL for 1 to 12'
zstd\t'zstd at level 3; zstd:LEVEL for 1 to 22'"
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l uid-map -d 'specifies a uid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l gid-map -d 'specifies a gid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l platform -d 'platform of a multi-platform image to change, as os/arch[/variant], or \'all\' (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l no-history -d 'do not create a history entry'
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l rootless -d 'enable rootless command support'
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l whiteout -d 'insert a tar whiteout for the target path'
complete -c umoci -n "__fish_umoci_using_subcommand insert" -l opaque -d 'make the target directory opaque (its lower-layer contents are hidden)'
complete -c umoci -n "__fish_umoci_using_subcommand insert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c umoci -n "__fish_umoci_using_subcommand index; and not __fish_seen_subcommand_from add rm remove help" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand index; and not __fish_seen_subcommand_from add rm remove help" -f -a "add" -d 'adds images to a multi-platform index'
complete -c umoci -n "__fish_umoci_using_subcommand index; and not __fish_seen_subcommand_from add rm remove help" -f -a "rm" -d 'removes one platform from a multi-platform index'
complete -c umoci -n "__fish_umoci_using_subcommand index; and not __fish_seen_subcommand_from add rm remove help" -f -a "remove" -d 'removes one platform from a multi-platform index'
complete -c umoci -n "__fish_umoci_using_subcommand index; and not __fish_seen_subcommand_from add rm remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from add" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from rm" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from rm" -l platform -d 'the platform to remove, as os/arch[/variant]' -r
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from remove" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from remove" -l platform -d 'the platform to remove, as os/arch[/variant]' -r
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from help" -f -a "add" -d 'adds images to a multi-platform index'
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from help" -f -a "rm" -d 'removes one platform from a multi-platform index'
complete -c umoci -n "__fish_umoci_using_subcommand index; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand store; and not __fish_seen_subcommand_from gc du fsck help" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand store; and not __fish_seen_subcommand_from gc du fsck help" -f -a "gc" -d 'drops what no layer of the given layouts needs'
complete -c umoci -n "__fish_umoci_using_subcommand store; and not __fish_seen_subcommand_from gc du fsck help" -f -a "du" -d 'reports what a store holds and how much is shared'
complete -c umoci -n "__fish_umoci_using_subcommand store; and not __fish_seen_subcommand_from gc du fsck help" -f -a "fsck" -d 'verifies every object and names bundles sharing a changed one'
complete -c umoci -n "__fish_umoci_using_subcommand store; and not __fish_seen_subcommand_from gc du fsck help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from gc" -l store -d 'the content store (default: $UMOCI_STORE)' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from gc" -l layout -d 'a layout whose images\' layers are kept (repeatable)' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from gc" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from du" -l store -d 'the content store (default: $UMOCI_STORE)' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from du" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from fsck" -l store -d 'the content store (default: $UMOCI_STORE)' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from fsck" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "gc" -d 'drops what no layer of the given layouts needs'
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "du" -d 'reports what a store holds and how much is shared'
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "fsck" -d 'verifies every object and names bundles sharing a changed one'
complete -c umoci -n "__fish_umoci_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and not __fish_seen_subcommand_from unpack runtime-config config add-layer help" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and not __fish_seen_subcommand_from unpack runtime-config config add-layer help" -f -a "unpack" -d 'unpacks a reference into a rootfs'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and not __fish_seen_subcommand_from unpack runtime-config config add-layer help" -f -a "runtime-config" -d 'generates a runtime configuration from an image configuration'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and not __fish_seen_subcommand_from unpack runtime-config config add-layer help" -f -a "config" -d 'generates a runtime configuration from an image configuration'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and not __fish_seen_subcommand_from unpack runtime-config config add-layer help" -f -a "add-layer" -d 'add a layer to an OCI image'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and not __fish_seen_subcommand_from unpack runtime-config config add-layer help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l uid-map -d 'specifies a uid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l gid-map -d 'specifies a gid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l platform -d 'platform of a multi-platform image to use, as os/arch[/variant] (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l store -d 'shared content store to check files out of (created if missing; default: $UMOCI_STORE): a layer already in it is not read again' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l store-link -d 'how files come out of the store: auto, reflink, copy or hardlink' -r -f -a "auto\t'reflink where the file system can, else copy (the default)'
reflink\t'share blocks with the store (FICLONE); safe to edit in place'
copy\t'copy the bytes; safe to edit in place'
hardlink\t'share inodes with the store and other bundles: replace files, never edit them in place'"
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l rootless -d 'enable rootless command support'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -l keep-dirlinks -d 'don\'t clobber underlying symlinks on existing directories'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from unpack" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from runtime-config" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from runtime-config" -l uid-map -d 'specifies a uid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from runtime-config" -l gid-map -d 'specifies a gid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from runtime-config" -l rootfs -d 'path to the unpacked rootfs, to resolve users and groups' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from runtime-config" -l platform -d 'platform of a multi-platform image to use, as os/arch[/variant] (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from runtime-config" -l rootless -d 'enable rootless command support'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from runtime-config" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from config" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from config" -l uid-map -d 'specifies a uid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from config" -l gid-map -d 'specifies a gid mapping to use (container:host:size)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from config" -l rootfs -d 'path to the unpacked rootfs, to resolve users and groups' -r -F
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from config" -l platform -d 'platform of a multi-platform image to use, as os/arch[/variant] (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from config" -l rootless -d 'enable rootless command support'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l image -d 'OCI image URI of the form \'path[:tag]\'' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l tag -d 'tag name' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l history.author -d 'author value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l history.comment -d 'comment for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l history.created -d 'created value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l history.created_by -d 'created_by value for the history entry' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l compress -d 'compression algorithm for newly created layer blobs, optionally with a level (gzip:9, zstd:19)' -r -f -a "auto\t'the newest layer\'s compression (never none); gzip if there is none'
none\t'an uncompressed tar'
gzip\t'gzip at level 2; gzip:LEVEL for 1 to 12'
zstd\t'zstd at level 3; zstd:LEVEL for 1 to 22'"
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l platform -d 'platform of a multi-platform image to use, as os/arch[/variant] (default: the host\'s)' -r
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -l no-history -d 'do not create a history entry'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from add-layer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from help" -f -a "unpack" -d 'unpacks a reference into a rootfs'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from help" -f -a "runtime-config" -d 'generates a runtime configuration from an image configuration'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from help" -f -a "add-layer" -d 'add a layer to an OCI image'
complete -c umoci -n "__fish_umoci_using_subcommand raw; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "init" -d 'create a new OCI layout'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "new" -d 'creates a blank tagged OCI image'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "list" -d 'lists the set of tags in an OCI layout'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "tag" -d 'creates a new tag in an OCI image'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "remove" -d 'removes a tag from an OCI image'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "gc" -d 'garbage-collects an OCI layout'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "stat" -d 'displays status information of an image manifest'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "config" -d 'modifies the image configuration of an OCI image'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "unpack" -d 'unpacks a reference into an OCI runtime bundle'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "repack" -d 'repacks an OCI runtime bundle into a reference'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "insert" -d 'insert content into an OCI image'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "index" -d 'multi-platform image indexes'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "store" -d 'shared content stores for unpack'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "raw" -d 'advanced internal image tooling'
complete -c umoci -n "__fish_umoci_using_subcommand help; and not __fish_seen_subcommand_from init new list tag remove gc stat config unpack repack insert index store raw help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from index" -f -a "add" -d 'adds images to a multi-platform index'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from index" -f -a "rm" -d 'removes one platform from a multi-platform index'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "gc" -d 'drops what no layer of the given layouts needs'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "du" -d 'reports what a store holds and how much is shared'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "fsck" -d 'verifies every object and names bundles sharing a changed one'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from raw" -f -a "unpack" -d 'unpacks a reference into a rootfs'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from raw" -f -a "runtime-config" -d 'generates a runtime configuration from an image configuration'
complete -c umoci -n "__fish_umoci_using_subcommand help; and __fish_seen_subcommand_from raw" -f -a "add-layer" -d 'add a layer to an OCI image'
