/* execmark: a small library for it_exec.sh to map into a program (LD_PRELOAD): a file whose SHA-256 the test knows. */
int execmark_value(void);

int execmark_value(void)
{
	return 42;
}
