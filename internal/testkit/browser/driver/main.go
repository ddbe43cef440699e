// Command driver is the browser half of internal/testkit/browser's tests:
// it starts headless Chromium through chromedp and runs the steps a test
// sends it, one JSON object per line on stdin, answering one JSON object
// per line on stdout. It lives in a module of its own so that chromedp
// stays out of otelkit's root module; the test builds it (package
// browser, build.go).
//
// Steps: {"op":"navigate","url":U}, {"op":"wait","sel":S} (until an element
// matching the CSS selector S is visible), {"op":"click","sel":S},
// {"op":"type","sel":S,"text":T}, {"op":"count","sel":S},
// {"op":"texts","sel":S} (the visible text of every match),
// {"op":"attrs","sel":S,"name":N}, {"op":"location"} and
// {"op":"screenshot","path":P} (the whole page, PNG). Answers:
// {"ok":true,...} with count, texts or url, or {"error":"..."}.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

type step struct {
	Op   string `json:"op"`
	URL  string `json:"url,omitempty"`
	Sel  string `json:"sel,omitempty"`
	Text string `json:"text,omitempty"`
	Name string `json:"name,omitempty"`
	Path string `json:"path,omitempty"`
}

type answer struct {
	OK    bool     `json:"ok,omitempty"`
	Count int      `json:"count,omitempty"`
	Texts []string `json:"texts,omitempty"`
	URL   string   `json:"url,omitempty"`
	Error string   `json:"error,omitempty"`
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
}

func run(args []string, in io.Reader, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("driver", flag.ContinueOnError)
	exec := fs.String("chromium", "chromium", "path of the Chromium binary")
	profile := fs.String("user-data-dir", "", "a new, empty profile directory (required)")
	stepTimeout := fs.Duration("step-timeout", 30*time.Second, "bound of each step")
	width := fs.Int("width", 1280, "window width")
	height := fs.Int("height", 800, "window height")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *profile == "" {
		return errors.New("-user-data-dir is required")
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(*exec), chromedp.UserDataDir(*profile), chromedp.WindowSize(*width, *height),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.CombinedOutput(errOut))
	defer cancel()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// Start the browser without a timeout: it lives as long as bctx.
	if _, err := chromedp.Run(bctx, chromedp.Location()); err != nil {
		return fmt.Errorf("start chromium: %w", err)
	}
	enc := json.NewEncoder(out)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var s step
		a := answer{}
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			a.Error = "bad step: " + err.Error()
		} else {
			ctx, cancel := context.WithTimeout(bctx, *stepTimeout)
			a = do(ctx, s)
			cancel()
		}
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return sc.Err()
}

// do runs one step.
func do(ctx context.Context, s step) answer {
	var a answer
	var err error
	switch s.Op {
	case "navigate":
		err = chromedp.Do(ctx, chromedp.Navigate(s.URL))
	case "wait":
		err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(s.Sel)))
	case "click":
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(s.Sel)))
	case "type":
		err = chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(s.Sel), s.Text))
	case "count":
		a.Count, err = chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%s).length", quote(s.Sel))))
	case "texts":
		a.Texts, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf("Array.from(document.querySelectorAll(%s), e => e.innerText)", quote(s.Sel))))
	case "attrs":
		a.Texts, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf("Array.from(document.querySelectorAll(%s), e => e.getAttribute(%s) || '')", quote(s.Sel), quote(s.Name))))
	case "location":
		a.URL, err = chromedp.Run(ctx, chromedp.Location())
	case "screenshot":
		var png []byte
		if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			err = os.WriteFile(s.Path, png, 0o644)
		}
	default:
		err = fmt.Errorf("unknown op %q", s.Op)
	}
	if err != nil {
		return answer{Error: err.Error()}
	}
	a.OK = true
	return a
}

// quote writes s as a JavaScript string literal.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
