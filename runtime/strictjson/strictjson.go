// Package strictjson decodes JSON documents strictly: one value, no
// unknown object fields, nothing after it.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// ErrTrailing is the error of a document with data after its JSON value.
var ErrTrailing = errors.New("data after the JSON object")

// Decode decodes data, one JSON value, into v. Object fields that v does
// not have are errors, and so is anything but white space after the value
// (ErrTrailing).
func Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrTrailing
	}
	return nil
}
