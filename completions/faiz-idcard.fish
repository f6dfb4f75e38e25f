# fish completion for faiz-idcard(1); the options follow the man page.

# The profile names: the [section] lines of the configuration file that
# --config names on the command line, else $FAIZ_CONFIG, else the default.
function __faiz_idcard_profiles
    set -l config
    set -l words (commandline -opc)
    for i in (seq (count $words))
        switch $words[$i]
            case --config
                set -l next (math $i + 1)
                if test $next -le (count $words)
                    set config $words[$next]
                end
            case '--config=*'
                set config (string replace -- --config= '' $words[$i])
        end
    end
    if test -z "$config"
        if set -q FAIZ_CONFIG; and test -n "$FAIZ_CONFIG"
            set config $FAIZ_CONFIG
        else if set -q XDG_CONFIG_HOME; and test -n "$XDG_CONFIG_HOME"
            set config $XDG_CONFIG_HOME/faiz/config
        else
            set config $HOME/.config/faiz/config
        end
    end
    test -r "$config"; or return 0
    string replace -rf -- '^\s*\[\s*([^\]]*[^\]\s])\s*\]\s*$' '$1' <$config
end

# --images takes a comma list: offer the names not yet in it.
function __faiz_idcard_images
    set -l token (commandline -ct | string replace -r -- '^--images=' '')
    set -l done_part (string match -r -- '^.*,' $token)
    for item in cropped portrait id_number
        if not string match -q -- "*,$item,*" ",$done_part"
            printf '%s%s\n' "$done_part" $item
        end
    end
end

# Operands: JPEG files, and directories to look into.
function __faiz_idcard_operands
    set -l token (commandline -ct)
    for f in $token*
        if test -d "$f"
            printf '%s/\n' (string trim -r -c / -- $f)
        else if string match -qir -- '\.jpe?g$' $f
            printf '%s\n' $f
        end
    end
end

complete -c faiz-idcard -f
complete -c faiz-idcard -n 'not string match -q -- "-*" (commandline -ct); and not __fish_seen_argument -l check-id' \
    -a '(__faiz_idcard_operands)'

complete -c faiz-idcard -s f -l format -x -a 'table\t"aligned columns for a terminal" json\t"one pretty-printed array" ndjson\t"one compact record per line" csv\t"RFC 4180 with a header row" xlsx\t"an Excel workbook, needs -o"' -d 'Output format'
complete -c faiz-idcard -s o -l output -r -F -d 'Write the records to a file (mode 0600)'
complete -c faiz-idcard -l raw -d 'json/ndjson: add the untouched response as "raw"'
complete -c faiz-idcard -l save-images -x -a '(__fish_complete_directories)' -d 'Save the returned images in a directory'
complete -c faiz-idcard -l images -x -a '(__faiz_idcard_images)' -d 'Which images --save-images writes'
complete -c faiz-idcard -l force -d 'Overwrite existing saved images and output file'
complete -c faiz-idcard -l engine -x -a 'auto\t"faiz with credentials, local without" faiz\t"the Faiz service (paid, remote)" local\t"this machine, nothing sent"' -d 'The recogniser'
complete -c faiz-idcard -l profile -x -a '(__faiz_idcard_profiles)' -d 'Config file section to use'
complete -c faiz-idcard -l endpoint -x -d 'Gateway base URL'
complete -c faiz-idcard -l config -r -F -d 'Config file'
complete -c faiz-idcard -l timeout -x -d 'Total time for one request, in seconds'
complete -c faiz-idcard -l connect-timeout -x -d 'Time to connect, in seconds'
complete -c faiz-idcard -l cacert -r -F -d 'Verify https against the CA certificates in a file'
complete -c faiz-idcard -l insecure -d 'https: do not verify the certificate'
complete -c faiz-idcard -l rate -x -d 'Requests per second for the whole run'
complete -c faiz-idcard -l retries -x -d 'Retries for network and server failures'
complete -c faiz-idcard -l retry-timeouts -d 'Send again, once, an image whose answer timed out after it was sent'
complete -c faiz-idcard -l max-points -x -d 'Never send a request that could take the points past N'
complete -c faiz-idcard -s j -l jobs -x -d 'Images in flight at once (1-64)'
complete -c faiz-idcard -s r -l recursive -d 'Descend into subdirectories of directory operands'
complete -c faiz-idcard -s 0 -l null -d 'Path lists are NUL-separated (find -print0)'
complete -c faiz-idcard -l files-from -r -F -d 'Read paths from a file, one per line (- for stdin)'
complete -c faiz-idcard -l no-resize -d 'Send files as they are: no rotation, downscaling or re-encoding'
complete -c faiz-idcard -l unordered -d 'Print records as they complete, not in input order'
complete -c faiz-idcard -l dry-run -d 'Send nothing: list what would be sent and the cost'
complete -c faiz-idcard -l resume -r -F -d 'Skip images recognised in an ndjson file, append to it'
complete -c faiz-idcard -l from-records -r -F -d 'Render the records of an ndjson file again, offline'
complete -c faiz-idcard -l summary -r -F -d 'Write the final counts to a file as JSON'
complete -c faiz-idcard -l retry-failed -d 'With --resume, send charged failures again'
complete -c faiz-idcard -l check-id -d 'Check ID numbers given as operands, offline'
complete -c faiz-idcard -l pair -d 'Join the front and back of each card into one person record'
complete -c faiz-idcard -l mask -d 'Mask ID number, name and address in the output'
complete -c faiz-idcard -l strict -d 'Treat every warning as a failure (exit 1)'
complete -c faiz-idcard -l as-of -x -d 'Judge validity and age on this date (YYYY-MM-DD)'
complete -c faiz-idcard -l bom -d 'csv: begin with a UTF-8 byte order mark for Excel'
complete -c faiz-idcard -l no-tab -d 'csv: no tab in front of ID numbers, for readers that are not Excel'
complete -c faiz-idcard -l text-lines -d 'Print the text lines of any JPEG picture as ndjson, read offline'
complete -c faiz-idcard -l models -x -a '(__fish_complete_directories)' -d 'The OCR models directory (for --text-lines)'
complete -c faiz-idcard -s v -l verbose -d 'One line per request on stderr'
complete -c faiz-idcard -s q -l quiet -d 'No notes, warnings, progress or summary on stderr'
complete -c faiz-idcard -s h -l help -d 'Show the help and exit'
complete -c faiz-idcard -s V -l version -d 'Show the version and exit'

# faiz-idcard serve [options]: the server on the local engine.
complete -c faiz-idcard -n __fish_use_subcommand -a serve -d 'Offer the service endpoint on the local engine'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l listen -x -d 'Address and port to listen on'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l keys -r -F -d 'Accept requests signed with the key pairs in a file'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l redis -x -d 'Keep seen nonces in Redis'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l require-body-hash -d 'The body header must be the SHA-256 of the image'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l queue -x -d 'Requests waiting for a worker before 503'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l request-timeout -x -d 'Answer 50004 after this long, in seconds'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l tls-cert -r -F -d 'Serve https with this PEM certificate chain'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l tls-key -r -F -d 'The PEM private key of the certificate'
complete -c faiz-idcard -n '__fish_seen_subcommand_from serve' -l models -x -a '(__fish_complete_directories)' -d 'The local engine models directory'
