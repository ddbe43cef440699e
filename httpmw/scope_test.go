package httpmw

import (
	"testing"

	"github.com/otelkit/otelkit/internal/reqscope"
)

// httpmw writes its own request-ID attribute so its documentation shows
// the name; grpcmw takes the scope's. They must be the same.
func TestRequestIDAttributeIsTheScopes(t *testing.T) {
	if RequestIDAttribute != reqscope.IDAttribute {
		t.Errorf("httpmw %q, reqscope %q", RequestIDAttribute, reqscope.IDAttribute)
	}
}
