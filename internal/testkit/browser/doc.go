// Package browser runs otelkit's pages in a real browser: headless
// Chromium (the Debian package chromium, installed by package syspkg when
// it is absent and the tests run as root) driven through chromedp.
//
// The chromedp half is the command in ./driver, a module of its own so that
// chromedp stays out of otelkit's root module (as compose-go does in
// ../composecheck). Start builds it once per test binary, starts it with a
// new, empty profile directory, and returns a Browser whose Do sends it
// one step and returns its answer; the assertions stay in the Go test.
//
// TestTraceViewerInBrowser runs the quick start with -serve as a user
// would, sends it a request, and walks through the trace viewer: the list
// shows the request, a click opens its waterfall with the right spans, a
// click on a span shows its attributes, and the log lines under it carry
// the request ID. With OTELKIT_UPDATE_SCREENSHOT=1 it writes the trace
// page's screenshot to examples/quickstart/viewer.png.
package browser
