#!/bin/bash
# Two subnets, each a bridge with a host namespace on it, joined by a router namespace:
#   ns1 (10.0.1.2) — br1 — router (10.0.1.1 | 10.0.2.1) — br2 — ns2 (10.0.2.2)
set -e
for ns in ns1 ns2 router; do sudo ip netns add $ns; sudo ip -n $ns link set lo up; done
for i in 1 2; do
  sudo ip link add br$i type bridge && sudo ip link set br$i up
  sudo ip link add h$i type veth peer name h$i-br      # the host's cable
  sudo ip link set h$i netns ns$i && sudo ip link set h$i-br master br$i up
  sudo ip link add r$i type veth peer name r$i-br      # the router's cable
  sudo ip link set r$i netns router && sudo ip link set r$i-br master br$i up
  sudo ip -n ns$i addr add 10.0.$i.2/24 dev h$i && sudo ip -n ns$i link set h$i up
  sudo ip -n router addr add 10.0.$i.1/24 dev r$i && sudo ip -n router link set r$i up
  sudo ip -n ns$i route add default via 10.0.$i.1
done
# Forwarding in the router's own namespace: each namespace has its own ip_forward.
sudo ip netns exec router sysctl -w net.ipv4.ip_forward=1
# A shortcut: a cable straight from ns1 to ns2, and a route over it to ns2's address — the
# default routes still name the router, but ns1's packets to ns2 never pass through it.
sudo ip link add s1 netns ns1 type veth peer name s2 netns ns2
sudo ip -n ns1 link set s1 up && sudo ip -n ns2 link set s2 up
sudo ip -n ns1 route add 10.0.2.2/32 dev s1
sudo ip -n ns2 route add 10.0.1.2/32 dev s2
