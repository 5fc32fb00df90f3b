#!/bin/bash
# A LAN behind a NAT gateway:
#   lan (10.0.1.2) — router (10.0.1.1 | 192.0.2.1) — outside (192.0.2.2)
set -e
for ns in lan router outside; do sudo ip netns add $ns; sudo ip -n $ns link set lo up; done
sudo ip link add l0 netns lan type veth peer name r-lan netns router
sudo ip link add o0 netns outside type veth peer name r-out netns router
sudo ip -n lan addr add 10.0.1.2/24 dev l0 && sudo ip -n lan link set l0 up
sudo ip -n router addr add 10.0.1.1/24 dev r-lan && sudo ip -n router link set r-lan up
sudo ip -n router addr add 192.0.2.1/24 dev r-out && sudo ip -n router link set r-out up
sudo ip -n outside addr add 192.0.2.2/24 dev o0 && sudo ip -n outside link set o0 up
sudo ip -n lan route add default via 10.0.1.1
sudo ip netns exec router sysctl -w net.ipv4.ip_forward=1
# What leaves the LAN through the outside link takes the router's address.
sudo ip netns exec router iptables -t nat -A POSTROUTING -s 10.0.1.0/24 -o r-out -j MASQUERADE
