package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// runCompose loads a compose file as `docker compose config` does and, with -o, writes the normalized
// project as JSON (anchors merged, variables interpolated) for the tests that compare it with the code.
func runCompose(args []string) ([]string, error) {
	flags := flag.NewFlagSet("compose", flag.ContinueOnError)
	out := flags.String("o", "", "write the normalized project as JSON to this file")
	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	if flags.NArg() != 1 {
		return nil, errors.New("compose: exactly one compose file")
	}
	file, err := filepath.Abs(flags.Arg(0))
	if err != nil {
		return nil, err
	}
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithOsEnv,
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		// Schema and consistency errors are findings about the file, not failures of the tool.
		return []string{file + ": " + err.Error()}, nil
	}

	var problems []string
	for _, name := range project.ServiceNames() {
		service := project.Services[name]
		if service.Build == nil {
			if service.Image == "" {
				problems = append(problems, fmt.Sprintf("service %s: neither image nor build", name))
			} else if !hasPinnedTag(service.Image) {
				problems = append(problems, fmt.Sprintf("service %s: image %s is not pinned to a version tag", name, service.Image))
			}
			continue
		}
		dockerfile := service.Build.Dockerfile
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(service.Build.Context, dockerfile)
		}
		stages, err := stageNames(dockerfile)
		if err != nil {
			problems = append(problems, fmt.Sprintf("service %s: build: %v", name, err))
			continue
		}
		if target := service.Build.Target; target != "" && !stages[strings.ToLower(target)] {
			problems = append(problems, fmt.Sprintf("service %s: build target %q is not a stage of %s", name, target, dockerfile))
		}
	}

	if *out != "" && len(problems) == 0 {
		normalized, err := project.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(*out, normalized, 0o644); err != nil {
			return nil, err
		}
	}
	return problems, nil
}

func stageNames(dockerfile string) (map[string]bool, error) {
	file, err := os.Open(dockerfile)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	result, err := parser.Parse(file)
	if err != nil {
		return nil, err
	}
	stages, _, err := instructions.Parse(result.AST, nil)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, stage := range stages {
		if stage.Name != "" {
			names[strings.ToLower(stage.Name)] = true
		}
	}
	return names, nil
}

// hasPinnedTag: `mongo:8.0` yes; `mongo`, `mongo:latest` no (a digest counts as pinned).
func hasPinnedTag(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	lastSlash := strings.LastIndex(image, "/")
	tagAt := strings.LastIndex(image, ":")
	return tagAt > lastSlash && image[tagAt+1:] != "latest"
}
