#!/bin/sh
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
nc -ll -p 80 -e /srv/proxy.sh &
pid=$!
wait "$pid"
