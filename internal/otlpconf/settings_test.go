package otlpconf

import "testing"

func TestSetHeadersKeepsACopyForScrubbing(t *testing.T) {
	h := map[string]string{"api-key": "s3cr3t"}
	s := SetHeaders(h)
	h["api-key"] = "changed"
	var o Overrides
	o.Names.Headers = "WithOTLPHeaders"
	s.Apply(&o)
	if o.Headers["api-key"] != "s3cr3t" || s.OTLPHeaders()["api-key"] != "s3cr3t" {
		t.Errorf("the caller's later change reached the setting: applied %v, kept %v", o.Headers, s.OTLPHeaders())
	}
	if o.Names.Headers != "" {
		t.Errorf("Names.Headers = %q, want blank: the signal package's own option set it", o.Names.Headers)
	}
	if SetHeaders(nil).OTLPHeaders() != nil {
		t.Error("SetHeaders(nil) keeps a map: the variables would not stay in charge")
	}
}

func TestOnlySetHeadersCarriesHeaders(t *testing.T) {
	for name, s := range map[string]Setting{
		"exporter": SetExporter("otlp"), "endpoint": SetEndpoint("localhost:4317"), "protocol": SetProtocol("grpc"),
		"insecure": SetInsecure(true), "timeout": SetTimeout(1), "compression": SetCompression("gzip"), "console": SetConsole(nil),
	} {
		if s.OTLPHeaders() != nil {
			t.Errorf("%s: OTLPHeaders = %v, want nil", name, s.OTLPHeaders())
		}
	}
}
