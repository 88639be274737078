/*
 * The subcommands. Each takes the arguments after its name and returns the
 * process exit status (see DESIGN.md: 0 ok, 1 training failed, 2 usage,
 * 3 bad data, 4 I/O).
 */
#ifndef GDTRAIN_CLI_COMMANDS_H
#define GDTRAIN_CLI_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_solve(int argc, char **argv);
int cmd_curve_diff(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_split(int argc, char **argv);

/* Prints the top-level help (subcommands, exit codes) to stdout. */
void cli_print_main_help(void);

/* The exit-code table shared by every --help. */
void cli_print_exit_codes(void);

/* Splits a comma-separated list of names into a new NULL-terminated array of
 * new strings, spaces around each name trimmed. Returns NULL on an empty name
 * or out of memory (with a message in msg). Free with cli_free_list. */
char **cli_split_list(const char *text, size_t *count, char *msg, size_t size);
void cli_free_list(char **list);

#endif
