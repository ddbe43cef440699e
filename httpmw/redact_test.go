package httpmw

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
)

// signedQuery holds every kind of credential the rules cover, each value a
// distinct secret S<n>, with "&" and ";" separators, an encoded name, a
// flag, an empty value and harmless parameters around them.
const signedQuery = "page=2&sig=S01&X-Amz-Signature=S02&X-Amz-Credential=S03&X-Amz-Security-Token=S04" +
	"&AWSAccessKeyId=S05&Signature=S06&X-Goog-Signature=S07&access_token=S08&custom=S09;code=S10" +
	"&flag&token=&X%2DAmz%2DDate=S11&client_secret=S12&stripe_key=S13&Password=S14&q=keep"

const redactedQuery = "page=2&sig=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED" +
	"&AWSAccessKeyId=REDACTED&Signature=REDACTED&X-Goog-Signature=REDACTED&access_token=REDACTED&custom=REDACTED;code=REDACTED" +
	"&flag&token=&X%2DAmz%2DDate=REDACTED&client_secret=REDACTED&stripe_key=REDACTED&Password=REDACTED&q=keep"

func secretsIn(s string) []string {
	var found []string
	for i := 1; i <= 14; i++ {
		if v := "S" + string(rune('0'+i/10)) + string(rune('0'+i%10)); strings.Contains(s, v) {
			found = append(found, v)
		}
	}
	return found
}

// echoServer records the URL and Authorization header each request arrived
// with.
type echoServer struct {
	*httptest.Server
	mu   sync.Mutex
	got  []string
	auth []string
}

func newEchoServer(t *testing.T) *echoServer {
	s := &echoServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, r.URL.RequestURI())
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s
}

func doGet(t *testing.T, rt http.RoundTripper, raw string) *http.Response {
	t.Helper()
	client := &http.Client{Transport: rt}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if req.URL.String() != raw {
		t.Errorf("the caller's request URL changed to %s", req.URL)
	}
	return resp
}

// TestOtelhttpKeepsQueryCredentials records what otelhttp itself (v0.72)
// puts in url.full, on a real span: it drops user info but keeps every
// query value. This is why Transport redacts; if otelhttp starts
// redacting, this test says so.
func TestOtelhttpKeepsQueryCredentials(t *testing.T) {
	e := newTestEnv(t)
	srv := newEchoServer(t)
	u, _ := url.Parse(srv.URL)
	raw := "http://user:S99@" + u.Host + "/files/a?" + signedQuery
	doGet(t, otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithTracerProvider(e.tp)), raw)
	full, _ := spanAttr(e.onlySpan(t), "url.full")
	if len(secretsIn(full.AsString())) != 14 || strings.Contains(full.AsString(), "S99") || strings.Contains(full.AsString(), "user") {
		t.Fatalf("otelhttp's url.full changed: %s", full.AsString())
	}
}

// TestTransportRedactsURLFull: the client span's url.full has user info
// replaced by REDACTED:REDACTED and every sensitive query value by
// REDACTED (names, order and separators kept), while the server receives
// the caller's URL and credentials unchanged.
func TestTransportRedactsURLFull(t *testing.T) {
	e := newTestEnv(t)
	srv := newEchoServer(t)
	u, _ := url.Parse(srv.URL)
	raw := "http://user:S99@" + u.Host + "/files/a?" + signedQuery
	resp := doGet(t, Transport(http.DefaultTransport, e.opts(WithRedactedParams("Custom"))...), raw)

	span := e.onlySpan(t)
	full, _ := spanAttr(span, "url.full")
	want := "http://REDACTED:REDACTED@" + u.Host + "/files/a?" + redactedQuery
	if full.AsString() != want {
		t.Errorf("url.full\n got %s\nwant %s", full.AsString(), want)
	}
	for _, kv := range span.Attributes() {
		if s := kv.Value.String(); len(secretsIn(s)) > 0 || strings.Contains(s, "S99") {
			t.Errorf("span attribute %s = %s holds a credential", kv.Key, s)
		}
	}
	if srv.got[0] != "/files/a?"+signedQuery {
		t.Errorf("server got %s, want the caller's query", srv.got[0])
	}
	if srv.auth[0] != "Basic dXNlcjpTOTk=" { // user:S99
		t.Errorf("server got Authorization %q", srv.auth[0])
	}
	if resp.Request.URL.RawQuery != signedQuery {
		t.Errorf("resp.Request.URL = %s, want the caller's URL", resp.Request.URL)
	}
}

// TestTransportPlainURLUnchanged: a URL with nothing to redact is recorded
// as it is, and the rules apply per hop of a redirect.
func TestTransportPlainURLUnchanged(t *testing.T) {
	e := newTestEnv(t)
	srv := newEchoServer(t)
	doGet(t, Transport(http.DefaultTransport, e.opts()...), srv.URL+"/a?page=2&sort=asc;q=sig")
	full, _ := spanAttr(e.onlySpan(t), "url.full")
	if full.AsString() != srv.URL+"/a?page=2&sort=asc;q=sig" {
		t.Errorf("url.full %s", full.AsString())
	}

	e = newTestEnv(t)
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/b?X-Amz-Signature=S02&page=1", http.StatusFound)
	}))
	defer redir.Close()
	doGet(t, Transport(http.DefaultTransport, e.opts()...), redir.URL+"/start?token=S08")
	spans := e.sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want one per hop", len(spans))
	}
	for _, s := range spans {
		full, _ := spanAttr(s, attribute.Key("url.full"))
		if len(secretsIn(full.AsString())) > 0 || !strings.Contains(full.AsString(), "=REDACTED") {
			t.Errorf("hop url.full %s", full.AsString())
		}
	}
	if got := srv.got[len(srv.got)-1]; got != "/b?X-Amz-Signature=S02&page=1" {
		t.Errorf("redirect target got %s", got)
	}
}

// TestQueryLoggingDefaults: the access line's query uses the same rules:
// the documented default list, case-insensitive, "&" and ";".
func TestQueryLoggingDefaults(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts(WithQueryLogging("custom"))...)
	e.serve(h, httptest.NewRequest("GET", "/orders/1?"+signedQuery, nil))
	if got := e.oneLine(t, "http_request")["query"]; got != redactedQuery {
		t.Errorf("query\n got %v\nwant %v", got, redactedQuery)
	}
	if s := secretsIn(e.out.String()); len(s) > 0 {
		t.Errorf("output holds %v", s)
	}
	// The cases one by one.
	for _, q := range []string{
		"token=S01", "access_token=S01", "refresh_token=S01", "id_token=S01", "api_key=S01", "apikey=S01",
		"API-KEY=S01", "key=S01", "password=S01", "passwd=S01", "secret=S01", "client_secret=S01",
		"code=S01", "sig=S01", "signature=S01", "X-Amz-Anything=S01", "a=1;sig=S01", "a=1;SIG=S01;b=2",
	} {
		e := newTestEnv(t)
		e.serve(Handler(ordersMux(), e.opts(WithQueryLogging())...), httptest.NewRequest("GET", "/orders/1?"+q, nil))
		if line := e.oneLine(t, "http_request"); strings.Contains(line["query"].(string), "S01") || !strings.Contains(line["query"].(string), "REDACTED") {
			t.Errorf("%s logged as %v", q, line["query"])
		}
	}
}

func TestRedactorQueryEdges(t *testing.T) {
	rd := newRedactor([]string{" Extra "})
	for in, want := range map[string]string{
		"":                  "",
		"sig":               "sig",
		"sig=":              "sig=",
		"=S":                "=S",
		"&&;":               "&&;",
		"extra=1":           "extra=REDACTED",
		"a=b=c&sig=x=y":     "a=b=c&sig=REDACTED",
		"monkey=1&turkey=2": "monkey=1&turkey=2",
		"accessToken=1&clientSecret=2&accessKey=3&userPassword=4&reqSignature=5&v2Token=6": "accessToken=REDACTED&clientSecret=REDACTED&accessKey=REDACTED&userPassword=REDACTED&reqSignature=REDACTED&v2Token=REDACTED",
		"hotkey=1&Token=2x&TOKEN=3&sortKeyName=4":                                          "hotkey=1&Token=REDACTED&TOKEN=REDACTED&sortKeyName=4",
		"access%54oken=1":                        "access%54oken=REDACTED",
		"sort_key=1":                             "sort_key=REDACTED",
		"stripe.key=1&api.key=2&Client.Secret=3": "stripe.key=REDACTED&api.key=REDACTED&Client.Secret=REDACTED",
		"%zz=1&sig=2":                            "%zz=1&sig=REDACTED",
		"user[password]=1&user%5Bpassword%5D=2&user[name]=3&password[]=4&key_hex=5": "user[password]=REDACTED&user%5Bpassword%5D=REDACTED&user[name]=3&password[]=REDACTED&key_hex=REDACTED",
		"s%69g=1": "s%69g=REDACTED",
		"APIToken=1&DBPwd=2&GitHubAPIToken=3&MAXTOKEN=4":      "APIToken=REDACTED&DBPwd=REDACTED&GitHubAPIToken=REDACTED&MAXTOKEN=4",
		"a[b[token]]=1&a%5Bb%5Bpassword%5D%5D=2&a[b[name]]=3": "a[b[token]]=REDACTED&a%5Bb%5Bpassword%5D%5D=REDACTED&a[b[name]]=3",
		strings.Repeat("k", 100) + "_token=1":                 strings.Repeat("k", 100) + "_token=REDACTED",
		// The password words of the log keys' rule: pwd, passwd and
		// passphrase as the last word, and password words run into the
		// word before them; OLDPWD and passwordless stay.
		"db_pwd=1&dbPwd=2&MYSQL_PWD=3&smtp.passwd=4&key-passphrase=5":                  "db_pwd=REDACTED&dbPwd=REDACTED&MYSQL_PWD=REDACTED&smtp.passwd=REDACTED&key-passphrase=REDACTED",
		"PGPASSWORD=1&newpassword=2&rootpasswd=3&OLDPWD=4&passwordless=5":              "PGPASSWORD=REDACTED&newpassword=REDACTED&rootpasswd=REDACTED&OLDPWD=4&passwordless=5",
		"password1=1&password2=2&password_confirmation=3&page2=4&email_confirmation=5": "password1=REDACTED&password2=REDACTED&password_confirmation=REDACTED&page2=4&email_confirmation=5",
	} {
		if got := rd.query(in); got != want {
			t.Errorf("query(%q) = %q, want %q", in, got, want)
		}
	}
	u, _ := url.Parse("https://h/p?page=1#section-2")
	if got, changed := rd.url(u); changed || got != u {
		t.Error("a URL with nothing to redact must be returned as it is")
	}
	u, _ = url.Parse("https://h/cb?page=1#access_token=F1&token_type=bearer&state=F2")
	if got, _ := rd.url(u); got.String() != "https://h/cb?page=1#access_token=REDACTED&token_type=bearer&state=REDACTED" {
		t.Errorf("a fragment written as a query: %s", got)
	}
}

func TestDefaultRedactedParamsIsACopy(t *testing.T) {
	d := DefaultRedactedParams()
	for _, want := range []string{"AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature", "X-Amz-Signature",
		"X-Amz-Credential", "X-Amz-Security-Token", "token", "access_token", "api_key", "password", "client_secret", "code"} {
		if !slices.Contains(d, want) {
			t.Errorf("default list lacks %s", want)
		}
	}
	d[0] = "changed"
	if DefaultRedactedParams()[0] == "changed" {
		t.Error("the default list can be changed through the returned slice")
	}
}

// TestTransportStaleContext: a request made with the context of an earlier
// response (resp.Request.Context()) goes to its own URL, not to the
// earlier request's.
func TestTransportStaleContext(t *testing.T) {
	e := newTestEnv(t)
	srv := newEchoServer(t)
	client := &http.Client{Transport: Transport(http.DefaultTransport, e.opts()...)}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/first?sig=S01", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	req2, _ := http.NewRequestWithContext(resp.Request.Context(), http.MethodGet, srv.URL+"/second?page=1", nil)
	resp2, err := client.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp2.Body.Close()
	if srv.got[1] != "/second?page=1" {
		t.Fatalf("second request arrived as %s", srv.got[1])
	}
}
