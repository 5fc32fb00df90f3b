#!/bin/sh
# GET /api/notes lists the notes, POST /api/notes adds the body as one; the database keeps them.
read -r method path _
len=0
while read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  [ -z "$line" ] && break
  case "$line" in [Cc]ontent-[Ll]ength:*) len=$(echo "${line#*:}" | tr -d ' ') ;; esac
done
body=""
[ "$len" -gt 0 ] 2>/dev/null && body=$(head -c "$len" | tr -d '\n')
db() { printf '%s\n' "$1" | timeout 3 nc "$DB_HOST" "$DB_PORT"; }
reply() { printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %s\r\n\r\n%s' "$1" "${#2}" "$2"; }
case "$method $path" in
  "GET /api/notes") reply "200 OK" "$(db LIST)" ;;
  "POST /api/notes") db "ADD $body" >/dev/null && reply "201 Created" "$body" ;;
  *) reply "404 Not Found" "not found" ;;
esac
