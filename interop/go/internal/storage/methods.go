// Package storage is the storage service of the interop tests, served by the
// Go peer with the same conventions as the TypeScript side: last writer wins
// per key by timestamp, plus a few special keys that make a handler fail,
// sleep or report what it saw.
package storage

import (
	"google.golang.org/protobuf/reflect/protoreflect"

	storagepb "gorums-ts.dev/interop/gen/storage"
)

// Full method names of the Storage service, "<package>.Storage.<Method>",
// read from the generated descriptor so that they follow the proto package.
var (
	ReadRPC              = methodName("ReadRPC")
	WriteRPC             = methodName("WriteRPC")
	WriteUnicast         = methodName("WriteUnicast")
	WriteMulticast       = methodName("WriteMulticast")
	ReadQC               = methodName("ReadQC")
	WriteQC              = methodName("WriteQC")
	ReadCorrectable      = methodName("ReadCorrectable")
	ReadNestedQC         = methodName("ReadNestedQC")
	WriteNestedMulticast = methodName("WriteNestedMulticast")
)

func methodName(name protoreflect.Name) string {
	svc := storagepb.File_storage_storage_proto.Services().ByName("Storage")
	m := svc.Methods().ByName(name)
	if m == nil {
		panic("storage: no method " + string(name) + " in the Storage service")
	}
	return string(m.FullName())
}
