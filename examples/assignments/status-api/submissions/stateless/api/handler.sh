#!/bin/sh
# One HTTP request on stdin (nc -e gives it the connection), the answer on stdout.
# GET /api/v1/status → the stored status ({"status": "OK"} at first); POST stores a new one.
state=/data/status.json
read -r method path _
len=0
while read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  [ -z "$line" ] && break
  case "$line" in
    [Cc]ontent-[Ll]ength:*) len=$(echo "${line#*:}" | tr -d ' ') ;;
  esac
done
body=""
[ "$len" -gt 0 ] 2>/dev/null && body=$(head -c "$len")
reply() {
  printf 'HTTP/1.0 %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' "$1" "${#2}" "$2"
}
case "$method $path" in
  "GET /api/v1/status")
    if [ -f "$state" ]; then reply "200 OK" "$(cat "$state")"; else reply "200 OK" '{"status": "OK"}'; fi ;;
  "POST /api/v1/status")
    case "$body" in
      *'"status"'*) reply "201 Created" "$body" ;;
      *) reply "400 Bad Request" '{"error": "a JSON body with a status field"}' ;;
    esac ;;
  *) reply "404 Not Found" '{"error": "not found"}' ;;
esac
