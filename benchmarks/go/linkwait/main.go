// linkwait: the reference for what a native daemon costs. It does what the guardian does while nothing happens:
// subscribes to the kernel's link events (RTNLGRP_LINK) with vishvananda/netlink and waits for them. Each event is
// printed as one line; SIGTERM or SIGINT ends it with status 0.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vishvananda/netlink"
)

func main() {
	updates := make(chan netlink.LinkUpdate)
	done := make(chan struct{})
	if err := netlink.LinkSubscribe(updates, done); err != nil {
		fmt.Fprintln(os.Stderr, "linkwait: cannot subscribe to link events:", err)
		os.Exit(2)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	fmt.Println("subscribed")
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				fmt.Fprintln(os.Stderr, "linkwait: the subscription ended")
				os.Exit(1)
			}
			fmt.Printf("link %s type %d\n", u.Link.Attrs().Name, u.Header.Type)
		case <-stop:
			close(done)
			return
		}
	}
}
