package main

import (
	"encoding/json"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// yamlToJSON writes the documents of a multi-document YAML stream as one JSON array (empty ones skipped).
func yamlToJSON(in io.Reader, out io.Writer) error {
	decoder := yaml.NewDecoder(in)
	documents := []any{}
	for {
		var document any
		err := decoder.Decode(&document)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if document != nil {
			documents = append(documents, document)
		}
	}
	encoder := json.NewEncoder(out)
	encoder.SetIndent("", "  ")
	return encoder.Encode(documents)
}
