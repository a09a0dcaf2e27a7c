// beats-sender sends events the way Filebeat's output.logstash does: Elastic's own Lumberjack
// client (github.com/elastic/go-lumber, the version libbeat 8 builds with), protocol v2, zlib level
// 3, windows of up to bulk_max_size events numbered 1..N, and on any error a reconnect after a
// backoff and a resend of the events not yet acknowledged (libbeat retries guaranteed events
// forever). It is a test peer for Drover's lumberjack_input: nothing of Drover's own sender code.
//
//	beats-sender -addr 127.0.0.1:5044 -file events.ndjson [-window 2048] [-compression 3]
//
// Events are read from -file, one JSON object per line, and sent as they are. It prints one JSON
// line of counts on stdout and exits 0 once every event is acknowledged, 1 on a usage or read
// error, 2 when -deadline passes first.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	v2 "github.com/elastic/go-lumber/client/v2"
)

type counts struct {
	Events    int   `json:"events"`
	Windows   int   `json:"windows"`
	Retries   int   `json:"retries"`
	Resent    int   `json:"resent"`
	ElapsedMs int64 `json:"elapsed_ms"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5044", "receiver host:port")
	file := flag.String("file", "", "NDJSON file of events")
	window := flag.Int("window", 2048, "events per window (Filebeat's bulk_max_size)")
	level := flag.Int("compression", 3, "zlib level (Filebeat's compression_level)")
	timeout := flag.Duration("timeout", 30*time.Second, "ACK timeout (Filebeat's timeout)")
	backoff := flag.Duration("backoff", time.Second, "wait before reconnecting after an error (Filebeat's backoff.init)")
	deadline := flag.Duration("deadline", 5*time.Minute, "give up after this")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "beats-sender: -file is required")
		os.Exit(1)
	}
	events, err := read(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "beats-sender:", err)
		os.Exit(1)
	}
	start := time.Now()
	c := counts{Events: len(events)}
	var client *v2.SyncClient
	for next := 0; next < len(events); {
		if time.Since(start) > *deadline {
			fmt.Fprintf(os.Stderr, "beats-sender: deadline passed with %d of %d events acknowledged\n", next, len(events))
			os.Exit(2)
		}
		if client == nil {
			client, err = v2.SyncDial(*addr, v2.CompressionLevel(*level), v2.Timeout(*timeout))
			if err != nil {
				c.Retries++
				time.Sleep(*backoff)
				continue
			}
		}
		end := next + *window
		if end > len(events) {
			end = len(events)
		}
		n, err := client.Send(events[next:end])
		next += n
		if err != nil {
			// As libbeat: the unacknowledged rest is sent again on a new connection.
			c.Retries++
			c.Resent += end - next
			_ = client.Close()
			client = nil
			time.Sleep(*backoff)
			continue
		}
		c.Windows++
	}
	if client != nil {
		_ = client.Close()
	}
	c.ElapsedMs = time.Since(start).Milliseconds()
	out, _ := json.Marshal(c)
	fmt.Println(string(out))
}

func read(path string) ([]interface{}, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var events []interface{}
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	line := 0
	for scanner.Scan() {
		line++
		if len(scanner.Bytes()) == 0 {
			continue
		}
		var event map[string]interface{}
		if err := json.Unmarshal(scanner.Bytes(), &event); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		events = append(events, event)
	}
	return events, scanner.Err()
}
