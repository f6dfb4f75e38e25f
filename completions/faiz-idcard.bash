# bash completion for faiz-idcard(1); the options follow the man page.
# Works with or without the bash-completion package.

# The profile names: the [section] lines of the configuration file that
# --config names on the command line, else $FAIZ_CONFIG, else the default.
_faiz_idcard_profiles()
{
	local config="" i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		--config)
			config=${COMP_WORDS[i + 1]}
			# "--config=FILE" split at "=" into three words.
			[[ $config == = ]] && config=${COMP_WORDS[i + 2]}
			;;
		--config=*) config=${COMP_WORDS[i]#--config=} ;;
		esac
	done
	config=${config/#\~/$HOME}
	[[ -n $config ]] || config=${FAIZ_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/faiz/config}
	[[ -r $config ]] || return 0
	sed -n 's/^[[:space:]]*\[[[:space:]]*\([^]]*[^][:space:]]\)[[:space:]]*\][[:space:]]*$/\1/p' \
		-- "$config" 2>/dev/null
}

# faiz-idcard serve [options]: the server's own options.
_faiz_idcard_serve()
{
	local cur=$1 prev=$2
	case $prev in
	--keys | --tls-cert | --tls-key)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--models)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	--listen | --redis | -j | --jobs | --queue | --request-timeout)
		return 0
		;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "--listen --keys --redis
		--require-body-hash -j --jobs --queue --request-timeout --tls-cert
		--tls-key --models -q --quiet -h --help" -- "$cur")
}

_faiz_idcard()
{
	local cur prev word
	local -a opts
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=""
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	opts=(-f --format -o --output --raw --save-images --images --force
		--engine --profile --endpoint --config --timeout --connect-timeout --rate
		--retries --retry-timeouts --max-points -j --jobs -r --recursive -0 --null --files-from
		--no-resize --unordered --dry-run --resume --retry-failed --check-id --pair --mask
		--strict --as-of --bom --no-tab --cacert --insecure --text-lines
		--models --summary --from-records -v --verbose -q --quiet
		-h --help -V --version)

	# --option=value is completed like "--option value". Bash splits the
	# words at "=" when it is in COMP_WORDBREAKS (the default), else not.
	# Right after "--option=" bash itself (without the bash-completion
	# package to reassemble the words) makes "=" the word being completed.
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	elif [[ $cur == = && $prev == --* ]]; then
		cur=""
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	if ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[1]} == serve ]]; then
		_faiz_idcard_serve "$cur" "$prev"
		return 0
	fi

	case $prev in
	-f | --format)
		mapfile -t COMPREPLY < <(compgen -W "table json ndjson csv xlsx" -- "$cur")
		return 0
		;;
	--engine)
		mapfile -t COMPREPLY < <(compgen -W "auto faiz local" -- "$cur")
		return 0
		;;
	--images)
		# A comma list: complete the item after the last comma.
		local done_part="" item
		local -a left=()
		[[ $cur == *,* ]] && done_part=${cur%,*},
		for item in cropped portrait id_number; do
			[[ ,$done_part == *,$item,* ]] || left+=("$item")
		done
		mapfile -t COMPREPLY < <(compgen -P "$done_part" -W "${left[*]}" -- "${cur##*,}")
		compopt -o nospace 2>/dev/null
		return 0
		;;
	--save-images | --models)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	-o | --output | --config | --files-from | --resume | --cacert | \
		--summary | --from-records)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--profile)
		mapfile -t COMPREPLY < <(compgen -W "$(_faiz_idcard_profiles)" -- "$cur")
		return 0
		;;
	--endpoint | --timeout | --connect-timeout | --rate | --retries | --max-points | -j | --jobs | --as-of)
		# A URL, a number or a date: nothing to offer.
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "${opts[*]}" -- "$cur")
		return 0
	fi

	# With --check-id the operands are ID numbers: nothing to offer.
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		[[ $w == --check-id ]] && return 0
	done

	# Operands: JPEG files, and directories to look into ("-", a path list
	# on standard input, is typed as it is).
	compopt -o filenames 2>/dev/null
	# The first operand may be the word serve, which starts the server.
	((COMP_CWORD == 1)) && [[ serve == "$cur"* ]] && COMPREPLY+=(serve)
	while IFS= read -r word; do
		if [[ -d $word ]]; then
			COMPREPLY+=("$word")
		else
			case $word in
			*.[jJ][pP][gG] | *.[jJ][pP][eE][gG]) COMPREPLY+=("$word") ;;
			esac
		fi
	done < <(compgen -f -- "$cur")
	return 0
}

complete -F _faiz_idcard faiz-idcard
