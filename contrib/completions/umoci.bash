_umoci() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="umoci"
                ;;
            umoci,config)
                cmd="umoci__subcmd__config"
                ;;
            umoci,gc)
                cmd="umoci__subcmd__gc"
                ;;
            umoci,help)
                cmd="umoci__subcmd__help"
                ;;
            umoci,index)
                cmd="umoci__subcmd__index"
                ;;
            umoci,init)
                cmd="umoci__subcmd__init"
                ;;
            umoci,insert)
                cmd="umoci__subcmd__insert"
                ;;
            umoci,list)
                cmd="umoci__subcmd__list"
                ;;
            umoci,ls)
                cmd="umoci__subcmd__list"
                ;;
            umoci,new)
                cmd="umoci__subcmd__new"
                ;;
            umoci,raw)
                cmd="umoci__subcmd__raw"
                ;;
            umoci,remove)
                cmd="umoci__subcmd__remove"
                ;;
            umoci,repack)
                cmd="umoci__subcmd__repack"
                ;;
            umoci,rm)
                cmd="umoci__subcmd__remove"
                ;;
            umoci,stat)
                cmd="umoci__subcmd__stat"
                ;;
            umoci,store)
                cmd="umoci__subcmd__store"
                ;;
            umoci,tag)
                cmd="umoci__subcmd__tag"
                ;;
            umoci,unpack)
                cmd="umoci__subcmd__unpack"
                ;;
            umoci__subcmd__help,config)
                cmd="umoci__subcmd__help__subcmd__config"
                ;;
            umoci__subcmd__help,gc)
                cmd="umoci__subcmd__help__subcmd__gc"
                ;;
            umoci__subcmd__help,help)
                cmd="umoci__subcmd__help__subcmd__help"
                ;;
            umoci__subcmd__help,index)
                cmd="umoci__subcmd__help__subcmd__index"
                ;;
            umoci__subcmd__help,init)
                cmd="umoci__subcmd__help__subcmd__init"
                ;;
            umoci__subcmd__help,insert)
                cmd="umoci__subcmd__help__subcmd__insert"
                ;;
            umoci__subcmd__help,list)
                cmd="umoci__subcmd__help__subcmd__list"
                ;;
            umoci__subcmd__help,new)
                cmd="umoci__subcmd__help__subcmd__new"
                ;;
            umoci__subcmd__help,raw)
                cmd="umoci__subcmd__help__subcmd__raw"
                ;;
            umoci__subcmd__help,remove)
                cmd="umoci__subcmd__help__subcmd__remove"
                ;;
            umoci__subcmd__help,repack)
                cmd="umoci__subcmd__help__subcmd__repack"
                ;;
            umoci__subcmd__help,stat)
                cmd="umoci__subcmd__help__subcmd__stat"
                ;;
            umoci__subcmd__help,store)
                cmd="umoci__subcmd__help__subcmd__store"
                ;;
            umoci__subcmd__help,tag)
                cmd="umoci__subcmd__help__subcmd__tag"
                ;;
            umoci__subcmd__help,unpack)
                cmd="umoci__subcmd__help__subcmd__unpack"
                ;;
            umoci__subcmd__help__subcmd__index,add)
                cmd="umoci__subcmd__help__subcmd__index__subcmd__add"
                ;;
            umoci__subcmd__help__subcmd__index,rm)
                cmd="umoci__subcmd__help__subcmd__index__subcmd__rm"
                ;;
            umoci__subcmd__help__subcmd__raw,add-layer)
                cmd="umoci__subcmd__help__subcmd__raw__subcmd__add__subcmd__layer"
                ;;
            umoci__subcmd__help__subcmd__raw,runtime-config)
                cmd="umoci__subcmd__help__subcmd__raw__subcmd__runtime__subcmd__config"
                ;;
            umoci__subcmd__help__subcmd__raw,unpack)
                cmd="umoci__subcmd__help__subcmd__raw__subcmd__unpack"
                ;;
            umoci__subcmd__help__subcmd__store,du)
                cmd="umoci__subcmd__help__subcmd__store__subcmd__du"
                ;;
            umoci__subcmd__help__subcmd__store,fsck)
                cmd="umoci__subcmd__help__subcmd__store__subcmd__fsck"
                ;;
            umoci__subcmd__help__subcmd__store,gc)
                cmd="umoci__subcmd__help__subcmd__store__subcmd__gc"
                ;;
            umoci__subcmd__index,add)
                cmd="umoci__subcmd__index__subcmd__add"
                ;;
            umoci__subcmd__index,help)
                cmd="umoci__subcmd__index__subcmd__help"
                ;;
            umoci__subcmd__index,remove)
                cmd="umoci__subcmd__index__subcmd__rm"
                ;;
            umoci__subcmd__index,rm)
                cmd="umoci__subcmd__index__subcmd__rm"
                ;;
            umoci__subcmd__index__subcmd__help,add)
                cmd="umoci__subcmd__index__subcmd__help__subcmd__add"
                ;;
            umoci__subcmd__index__subcmd__help,help)
                cmd="umoci__subcmd__index__subcmd__help__subcmd__help"
                ;;
            umoci__subcmd__index__subcmd__help,rm)
                cmd="umoci__subcmd__index__subcmd__help__subcmd__rm"
                ;;
            umoci__subcmd__raw,add-layer)
                cmd="umoci__subcmd__raw__subcmd__add__subcmd__layer"
                ;;
            umoci__subcmd__raw,config)
                cmd="umoci__subcmd__raw__subcmd__runtime__subcmd__config"
                ;;
            umoci__subcmd__raw,help)
                cmd="umoci__subcmd__raw__subcmd__help"
                ;;
            umoci__subcmd__raw,runtime-config)
                cmd="umoci__subcmd__raw__subcmd__runtime__subcmd__config"
                ;;
            umoci__subcmd__raw,unpack)
                cmd="umoci__subcmd__raw__subcmd__unpack"
                ;;
            umoci__subcmd__raw__subcmd__help,add-layer)
                cmd="umoci__subcmd__raw__subcmd__help__subcmd__add__subcmd__layer"
                ;;
            umoci__subcmd__raw__subcmd__help,help)
                cmd="umoci__subcmd__raw__subcmd__help__subcmd__help"
                ;;
            umoci__subcmd__raw__subcmd__help,runtime-config)
                cmd="umoci__subcmd__raw__subcmd__help__subcmd__runtime__subcmd__config"
                ;;
            umoci__subcmd__raw__subcmd__help,unpack)
                cmd="umoci__subcmd__raw__subcmd__help__subcmd__unpack"
                ;;
            umoci__subcmd__store,du)
                cmd="umoci__subcmd__store__subcmd__du"
                ;;
            umoci__subcmd__store,fsck)
                cmd="umoci__subcmd__store__subcmd__fsck"
                ;;
            umoci__subcmd__store,gc)
                cmd="umoci__subcmd__store__subcmd__gc"
                ;;
            umoci__subcmd__store,help)
                cmd="umoci__subcmd__store__subcmd__help"
                ;;
            umoci__subcmd__store__subcmd__help,du)
                cmd="umoci__subcmd__store__subcmd__help__subcmd__du"
                ;;
            umoci__subcmd__store__subcmd__help,fsck)
                cmd="umoci__subcmd__store__subcmd__help__subcmd__fsck"
                ;;
            umoci__subcmd__store__subcmd__help,gc)
                cmd="umoci__subcmd__store__subcmd__help__subcmd__gc"
                ;;
            umoci__subcmd__store__subcmd__help,help)
                cmd="umoci__subcmd__store__subcmd__help__subcmd__help"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        umoci)
            opts="-v -h --verbose --log --version --help init new list ls tag remove rm gc stat config unpack repack insert index store raw help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --log)
                    COMPREPLY=($(compgen -W "debug info warn error fatal" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__config)
            opts="-h --image --tag --no-history --history.author --history.comment --history.created --history.created_by --config.user --config.exposedports --config.env --config.entrypoint --config.cmd --config.volume --config.label --config.workingdir --config.stopsignal --created --author --os --platform.os --architecture --platform.arch --platform.variant --manifest.annotation --clear --platform --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tag)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.author)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.comment)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created_by)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.exposedports)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.env)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.entrypoint)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.cmd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.volume)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.label)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.workingdir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config.stopsignal)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --created)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --author)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform.os)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --os)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform.arch)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --architecture)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform.variant)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest.annotation)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --clear)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__gc)
            opts="-h --layout --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --layout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help)
            opts="init new list tag remove gc stat config unpack repack insert index store raw help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__config)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__gc)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__index)
            opts="add rm"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__index__subcmd__add)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__index__subcmd__rm)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__init)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__insert)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__new)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__raw)
            opts="unpack runtime-config add-layer"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__raw__subcmd__add__subcmd__layer)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__raw__subcmd__runtime__subcmd__config)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__raw__subcmd__unpack)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__remove)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__repack)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__stat)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__store)
            opts="gc du fsck"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__store__subcmd__du)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__store__subcmd__fsck)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__store__subcmd__gc)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__tag)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__help__subcmd__unpack)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__index)
            opts="-h --help add rm remove help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__index__subcmd__add)
            opts="-h --image --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__index__subcmd__help)
            opts="add rm help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__index__subcmd__help__subcmd__add)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__index__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__index__subcmd__help__subcmd__rm)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__index__subcmd__rm)
            opts="-h --image --platform --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__init)
            opts="-h --layout --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --layout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__insert)
            opts="-h --image --tag --no-history --history.author --history.comment --history.created --history.created_by --compress --uid-map --gid-map --rootless --whiteout --opaque --platform --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tag)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.author)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.comment)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created_by)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --compress)
                    COMPREPLY=($(compgen -W "auto none gzip zstd" -- "${cur}"))
                    return 0
                    ;;
                --uid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__list)
            opts="-h --layout --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --layout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__new)
            opts="-h --image --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw)
            opts="-h --help unpack runtime-config config add-layer help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__add__subcmd__layer)
            opts="-h --image --tag --no-history --history.author --history.comment --history.created --history.created_by --compress --platform --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tag)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.author)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.comment)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created_by)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --compress)
                    COMPREPLY=($(compgen -W "auto none gzip zstd" -- "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__help)
            opts="unpack runtime-config add-layer help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__help__subcmd__add__subcmd__layer)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__help__subcmd__runtime__subcmd__config)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__help__subcmd__unpack)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__runtime__subcmd__config)
            opts="-h --image --uid-map --gid-map --rootless --rootfs --platform --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --uid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rootfs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__raw__subcmd__unpack)
            opts="-h --image --uid-map --gid-map --rootless --keep-dirlinks --platform --store --store-link --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --uid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-link)
                    COMPREPLY=($(compgen -W "auto reflink copy hardlink" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__remove)
            opts="-h --image --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__repack)
            opts="-h --image --no-history --history.author --history.comment --history.created --history.created_by --compress --mask-path --no-mask-volumes --refresh-bundle --platform --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.author)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.comment)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --history.created_by)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --compress)
                    COMPREPLY=($(compgen -W "auto none gzip zstd" -- "${cur}"))
                    return 0
                    ;;
                --mask-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__stat)
            opts="-h --image --json --platform --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store)
            opts="-h --help gc du fsck help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__du)
            opts="-h --store --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --store)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__fsck)
            opts="-h --store --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --store)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__gc)
            opts="-h --store --layout --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --store)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --layout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__help)
            opts="gc du fsck help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__help__subcmd__du)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__help__subcmd__fsck)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__help__subcmd__gc)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__store__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__tag)
            opts="-h --image --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        umoci__subcmd__unpack)
            opts="-h --image --uid-map --gid-map --rootless --keep-dirlinks --platform --store --store-link --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --uid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gid-map)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --platform)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-link)
                    COMPREPLY=($(compgen -W "auto reflink copy hardlink" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _umoci -o nosort -o bashdefault -o default umoci
else
    complete -F _umoci -o bashdefault -o default umoci
fi
