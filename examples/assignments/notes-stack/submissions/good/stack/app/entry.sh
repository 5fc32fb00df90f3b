#!/bin/sh
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
nc -ll -p 8000 -e /srv/app.sh &
pid=$!
wait "$pid"
