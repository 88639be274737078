/*
 * The subcommands. Each takes the arguments after its name and returns the
 * process exit status: 0 ok, 1 training failed, 2 usage, 3 bad data, 4 I/O
 * or out of memory (cli_exit_code in msg.h maps library statuses to them;
 * docs/ARCHITECTURE.md lists them all).
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
int cmd_sweep(int argc, char **argv);
int cmd_cache(int argc, char **argv);

/* Prints the top-level help (subcommands, exit codes) to stdout. */
void cli_print_main_help(void);

/* The "Exit status:" list of a subcommand's --help: 0 and 2, and the codes
 * the subcommand can return with what they mean for it: failed (1, NULL if
 * it never returns 1), bad_data (3, NULL if it reads no input), io (4), and
 * 130/143 when a signal can stop it. */
void cli_print_exit_codes(const char *failed, const char *bad_data, const char *io,
                          int interruptible);

/* Splits a comma-separated list of names into a new NULL-terminated array of
 * new strings, spaces around each name trimmed. Returns NULL on an empty name
 * or out of memory (with a message in msg). Free with cli_free_list. */
char **cli_split_list(const char *text, size_t *count, char *msg, size_t size);
void cli_free_list(char **list);

#endif
