#!/bin/sh
# A one-line protocol: "ADD <text>" appends a note to /data/notes.txt, "LIST" prints them.
read -r cmd rest
case "$cmd" in
  ADD) printf '%s\n' "$rest" >> /data/notes.txt && echo OK ;;
  LIST) cat /data/notes.txt 2>/dev/null ;;
  *) echo "ERR unknown command" ;;
esac
