package strictjson

import (
	"errors"
	"testing"
)

func TestDecode(t *testing.T) {
	type doc struct {
		A int `json:"a"`
	}
	var d doc
	if err := Decode([]byte(" {\"a\": 3}\n"), &d); err != nil || d.A != 3 {
		t.Fatalf("Decode = %v, %+v", err, d)
	}
	for _, in := range []string{`{"a": 1} {}`, `{"a": 1} x`, `{"a": 1}]`} {
		if err := Decode([]byte(in), &d); !errors.Is(err, ErrTrailing) {
			t.Errorf("Decode(%q) = %v, want ErrTrailing", in, err)
		}
	}
	for _, in := range []string{`{"a": 1, "b": 2}`, `{"a": "x"}`, ``, `{"a": 1`} {
		if err := Decode([]byte(in), &d); err == nil || errors.Is(err, ErrTrailing) {
			t.Errorf("Decode(%q) = %v, want a decoding error", in, err)
		}
	}
}
