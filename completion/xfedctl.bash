# shellcheck shell=bash
#
# Bash completion for xfedctl(8).  Installed as
# $(PREFIX)/share/bash-completion/completions/xfedctl, where bash-completion
# loads it on first use; or source it from ~/.bashrc.
#
# Completes the global options, the commands, the options of sync and log,
# file names after -s, -c and --file, event names after --event, and the
# domains declared in the configuration file (`domain "NAME"` sections of the
# file given with -c, else /etc/xfed/xfed.conf) for sync, plan, --domain and
# --zone.  It needs nothing but bash: no bash-completion helpers.

# _xfedctl_domains FILE — the titles of the domain sections of FILE.
_xfedctl_domains()
{
	local file=$1
	[ -r "$file" ] || return 0
	# Strip comments first so a commented-out domain is not offered.
	sed -e 's/#.*//' -e 's|//.*||' -- "$file" 2>/dev/null |
		sed -n 's/^[[:space:]]*domain[[:space:]]*"\([^"]*\)".*/\1/p'
}

# _xfedctl_config — the configuration file named on the command line so far.
_xfedctl_config()
{
	local i w conf=/etc/xfed/xfed.conf
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-c | --config)
			# "--config=FILE" arrives as "--config" "=" "FILE".
			if [ "${COMP_WORDS[i + 1]}" = "=" ]; then
				i=$((i + 1))
			fi
			if [ $((i + 1)) -lt "$COMP_CWORD" ]; then
				conf=${COMP_WORDS[i + 1]}
			fi
			i=$((i + 1))
			;;
		--config=?*) conf=${w#--config=} ;;
		-c?*) conf=${w#-c} ;;
		esac
	done
	# A leading ~ as the shell would expand it (the quoted ~ is the
	# literal one typed).
	# shellcheck disable=SC2088
	case $conf in
	"~") conf=$HOME ;;
	"~/"*) conf=$HOME/${conf#"~/"} ;;
	esac
	printf '%s\n' "$conf"
}

_xfedctl()
{
	local cur prev cmd i w
	local globals="-s --socket -c --config --json -h --help -V --version"
	local commands="sync plan status reload reopen log check-config"
	local logopts="--since --until --zone --domain --event --follow --verify --file"
	local events="sync-start update sync-end conflict held refused config-reload error"

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# "--opt=VALUE" arrives as "--opt" "=" "VALUE" (= is in
	# COMP_WORDBREAKS): complete VALUE as the option's argument.
	if [ "$cur" = "=" ]; then
		cur=
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	# The command is the first word that is neither an option nor an
	# option's argument.
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-s | --socket | -c | --config)
			[ "${COMP_WORDS[i + 1]}" = "=" ] && i=$((i + 1))
			i=$((i + 1))
			;;
		-*) ;;
		*)
			cmd=$w
			break
			;;
		esac
	done

	# An option's argument.
	case $prev in
	-s | --socket | -c | --config | --file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--event)
		if [ "$cmd" = log ]; then
			mapfile -t COMPREPLY < <(compgen -W "$events" -- "$cur")
			return 0
		fi
		;;
	--domain | --zone)
		if [ "$cmd" = log ]; then
			mapfile -t COMPREPLY < <(compgen -W \
				"$(_xfedctl_domains "$(_xfedctl_config)")" -- "$cur")
			return 0
		fi
		;;
	--since | --until)
		[ "$cmd" = log ] && return 0
		;;
	esac

	case $cmd in
	"")
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$globals" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		fi
		;;
	sync | plan)
		if [[ $cur == -* ]]; then
			[ "$cmd" = sync ] &&
				mapfile -t COMPREPLY < <(compgen -W "--force" -- "$cur")
			[ "$cmd" = plan ] &&
				mapfile -t COMPREPLY < <(compgen -W "--config" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W \
				"$(_xfedctl_domains "$(_xfedctl_config)")" -- "$cur")
		fi
		;;
	log)
		mapfile -t COMPREPLY < <(compgen -W "$logopts" -- "$cur")
		;;
	esac
	return 0
}

complete -F _xfedctl xfedctl
