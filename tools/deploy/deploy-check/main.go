// Command deploy-check validates the deployment files that no Docker engine can check here:
//
//	deploy-check compose [-o normalized.json] docker-compose.yml
//	deploy-check dockerfile Dockerfile...
//	deploy-check yaml2json < manifests.yaml > manifests.json
//
// `compose` loads the file with compose-go, the loader `docker compose` itself uses (compose-spec JSON
// schema, interpolation, references between services, volumes and networks), and also checks what a
// build would trip over first: every build's Dockerfile exists and has the stage its `target` names.
// `dockerfile` parses with BuildKit's own parser and runs BuildKit's lint rules plus this project's image
// rules. Both exit 1 with one line per problem, so a broken file fails the test command. `yaml2json`
// turns rendered multi-document YAML into one JSON array for the TypeScript tests that read it.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "yaml2json" {
		if err := yamlToJSON(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "deploy-check yaml2json:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 3 {
		usage()
	}
	var problems []string
	var err error
	switch os.Args[1] {
	case "compose":
		problems, err = runCompose(os.Args[2:])
	case "dockerfile":
		for _, path := range os.Args[2:] {
			var found []string
			found, err = checkDockerfileFile(path)
			if err != nil {
				break
			}
			for _, problem := range found {
				problems = append(problems, path+": "+problem)
			}
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy-check:", err)
		os.Exit(1)
	}
	for _, problem := range problems {
		fmt.Fprintln(os.Stderr, problem)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: deploy-check compose [-o out.json] FILE | dockerfile FILE... | yaml2json < in.yaml")
	os.Exit(2)
}
