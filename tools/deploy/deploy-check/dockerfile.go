package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func checkDockerfileFile(path string) ([]string, error) {
	source, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return checkDockerfile(source), nil
}

// checkDockerfile returns every problem: parse errors, BuildKit lint findings (the `docker build --check`
// rules that work without an engine) and the rules below, which hold for the runtime stages, i.e. the
// stages no other stage builds on or copies from.
func checkDockerfile(source []byte) []string {
	var problems []string
	result, err := parser.Parse(bytes.NewReader(source))
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	for _, warning := range result.Warnings {
		problems = append(problems, fmt.Sprintf("line %d: %s", lineOf(warning.Location), warning.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, message string, location []parser.Range) {
		problems = append(problems, fmt.Sprintf("line %d: %s: %s", lineOfRanges(location), rule, message))
	}})
	stages, _, err := instructions.Parse(result.AST, lint)
	if err != nil {
		return append(problems, "instructions: "+err.Error())
	}
	if len(stages) < 2 {
		problems = append(problems, "multi-stage: the image must be built in a separate stage from the one that runs it")
	}

	byName := map[string]int{}
	for index, stage := range stages {
		if stage.Name != "" {
			byName[strings.ToLower(stage.Name)] = index
		}
	}
	parentOf := func(index int) (int, bool) {
		parent, ok := byName[strings.ToLower(stages[index].BaseName)]
		return parent, ok
	}
	referenced := map[int]bool{}
	for index, stage := range stages {
		if parent, ok := parentOf(index); ok {
			referenced[parent] = true
		}
		for _, command := range stage.Commands {
			switch c := command.(type) {
			case *instructions.CopyCommand:
				if c.From == "" {
					continue
				}
				if from, ok := byName[strings.ToLower(c.From)]; ok {
					referenced[from] = true
				} else if from, err := strconv.Atoi(c.From); err == nil && from < len(stages) {
					referenced[from] = true
				}
			case *instructions.AddCommand:
				for _, src := range c.SourcePaths {
					if isRemote(src) {
						problems = append(problems, fmt.Sprintf("line %d: ADD of a remote source (%s): unpinned bytes from outside the build context", lineOfRanges(c.Location()), src))
					}
				}
			}
		}
	}

	for index, stage := range stages {
		if referenced[index] {
			continue
		}
		// Walk from the runtime stage up through the stages it derives from: instructions are inherited.
		var user string
		var health *instructions.HealthCheckCommand
		hasCmd, copiesContext := false, false
		visited := map[int]bool{}
		for current, ok := index, true; ok && !visited[current]; current, ok = parentOf(current) {
			visited[current] = true
			commands := stages[current].Commands
			for i := len(commands) - 1; i >= 0; i-- {
				switch c := commands[i].(type) {
				case *instructions.UserCommand:
					if user == "" {
						user = c.User
					}
				case *instructions.HealthCheckCommand:
					if health == nil {
						health = c
					}
				case *instructions.CmdCommand, *instructions.EntrypointCommand:
					hasCmd = true
				case *instructions.CopyCommand:
					if c.From == "" && containsContextRoot(c.SourcePaths) {
						copiesContext = true
					}
				}
			}
		}
		name := stage.Name
		if name == "" {
			name = fmt.Sprintf("#%d", index)
		}
		if !isNonRootNumericUser(user) {
			problems = append(problems, fmt.Sprintf("stage %s: runs as %q; USER must be a numeric non-root uid (Kubernetes runAsNonRoot can only verify numbers)", name, user))
		}
		if health == nil || len(health.Health.Test) == 0 || health.Health.Test[0] == "NONE" {
			problems = append(problems, fmt.Sprintf("stage %s: no HEALTHCHECK", name))
		}
		if !hasCmd {
			problems = append(problems, fmt.Sprintf("stage %s: no CMD or ENTRYPOINT", name))
		}
		if copiesContext {
			problems = append(problems, fmt.Sprintf("stage %s: copies the whole build context; a runtime stage takes only the built bundle and production dependencies", name))
		}
	}
	return problems
}

var remoteSource = regexp.MustCompile(`^(https?://|git@|git://)`)

func isRemote(source string) bool { return remoteSource.MatchString(source) }

func containsContextRoot(sources []string) bool {
	for _, source := range sources {
		if source == "." || source == "./" || source == "/" {
			return true
		}
	}
	return false
}

func isNonRootNumericUser(user string) bool {
	uid, _, _ := strings.Cut(user, ":")
	n, err := strconv.Atoi(uid)
	return err == nil && n > 0
}

func lineOf(location *parser.Range) int {
	if location == nil {
		return 0
	}
	return location.Start.Line
}

func lineOfRanges(location []parser.Range) int {
	if len(location) == 0 {
		return 0
	}
	return location[0].Start.Line
}
