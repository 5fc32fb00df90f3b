#!/bin/sh
# The front door: /api/… goes to the app, anything else is the home page.
read -r method path _
len=0
while read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  [ -z "$line" ] && break
  case "$line" in [Cc]ontent-[Ll]ength:*) len=$(echo "${line#*:}" | tr -d ' ') ;; esac
done
body=""
[ "$len" -gt 0 ] 2>/dev/null && body=$(head -c "$len")
case "$path" in
  /api/*)
    printf '%s %s HTTP/1.0\r\nHost: app\r\nContent-Length: %s\r\n\r\n%s' "$method" "$path" "${#body}" "$body" \
      | timeout 5 nc app 8000 ;;
  *)
    page='<h1>notes</h1>'
    printf 'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %s\r\n\r\n%s' "${#page}" "$page" ;;
esac
