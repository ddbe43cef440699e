package logging

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// The service a line belongs to, taken from the OpenTelemetry resource
// (WithResource; otel.Init passes the resource its providers share), so
// that a backend links a line to the service of the traces it links to.
// The profiles that name it pre-encode it once, in New; lines copy the
// bytes.

// attrEnvironmentV1 is deployment.environment, the resource attribute
// before semantic conventions 1.27 (the semconv package no longer has it),
// read by the profiles after deployment.environment.name.
const attrEnvironmentV1 = attribute.Key("deployment.environment")

// service is what a line says about its service; "" is left out.
type service struct {
	name, version, env string
}

// serviceOf reads the service from res.
func serviceOf(res *resource.Resource) service {
	set := res.Set()
	str := func(k attribute.Key) string {
		if v, ok := set.Value(k); ok && v.Type() == attribute.STRING {
			return v.AsString()
		}
		return ""
	}
	s := service{name: str(semconv.ServiceNameKey), version: str(semconv.ServiceVersionKey), env: str(semconv.DeploymentEnvironmentNameKey)}
	if s.env == "" {
		s.env = str(attrEnvironmentV1)
	}
	return s
}

// gcpProjectOf returns the Google Cloud project the resource names: its
// cloud.account.id when cloud.provider is gcp, as the GCP resource
// detector sets them; "" otherwise.
func gcpProjectOf(res *resource.Resource) string {
	set := res.Set()
	if v, ok := set.Value(semconv.CloudProviderKey); !ok || v.AsString() != "gcp" {
		return ""
	}
	if v, ok := set.Value(semconv.CloudAccountIDKey); ok && v.Type() == attribute.STRING {
		return v.AsString()
	}
	return ""
}

// appendMember appends ,"key":"value" (value escaped) unless value is "".
func appendMember(dst []byte, key, value string) []byte {
	if value == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':', '"')
	dst = appendJSONContent(dst, value)
	return append(dst, '"')
}

// appendServiceECS appends service.name, service.version,
// service.environment and event.dataset ("<service.name>.log", the
// ecs-logging default), the fields Elastic's log correlation filters a
// service's logs by.
func appendServiceECS(dst []byte, s service) []byte {
	dst = appendMember(dst, "service.name", s.name)
	dst = appendMember(dst, "service.version", s.version)
	dst = appendMember(dst, "service.environment", s.env)
	if s.name != "" {
		dst = appendMember(dst, "event.dataset", s.name+".log")
	}
	return dst
}

// appendServiceDatadog appends dd.service, dd.env and dd.version, the
// unified service tags Datadog links logs to traces and services by.
func appendServiceDatadog(dst []byte, s service) []byte {
	dst = appendMember(dst, "dd.service", s.name)
	dst = appendMember(dst, "dd.env", s.env)
	return appendMember(dst, "dd.version", s.version)
}

// appendServiceGCP appends Cloud Logging's labels special field with the
// service's name, version and environment under their resource attribute
// names. Cloud Logging attaches the service itself through the monitored
// resource of the platform (a Cloud Run service, a GKE container); the
// labels name it where the resource does not (several services on one VM).
func appendServiceGCP(dst []byte, s service) []byte {
	if s == (service{}) {
		return dst
	}
	dst = append(dst, `,"`+gcpLabels+`":{`...)
	n := len(dst)
	dst = appendMember(dst, string(semconv.ServiceNameKey), s.name)
	dst = appendMember(dst, string(semconv.ServiceVersionKey), s.version)
	dst = appendMember(dst, string(semconv.DeploymentEnvironmentNameKey), s.env)
	dst = append(dst[:n], dst[n+1:]...) // the first member's comma
	return append(dst, '}')
}
