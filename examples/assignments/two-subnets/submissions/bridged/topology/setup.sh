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
# A shortcut: the two bridges cabled together, and ns1 given an address on the other subnet.
sudo ip link add x1 type veth peer name x2
sudo ip link set x1 master br1 up && sudo ip link set x2 master br2 up
sudo ip -n ns1 addr add 10.0.2.3/24 dev h1
