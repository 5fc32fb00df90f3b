#!/bin/sh
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
nc -ll -p 7000 -e /srv/db.sh &
pid=$!
wait "$pid"
