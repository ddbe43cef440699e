// Package shoppb holds the generated code of shop.proto. To regenerate it
// (protoc, protoc-gen-go v1.36 and protoc-gen-go-grpc v1.6 on the PATH):
//
//	go generate ./examples/grpc/shoppb
package shoppb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative shop.proto
