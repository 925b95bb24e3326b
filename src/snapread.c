/* snapread: the offline reader — a table of subcommands. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "snapread: not built yet\n");
	return 2;
}
