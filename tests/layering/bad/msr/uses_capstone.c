/* Fixture: a Capstone call in the core without its header. */
int msr_fixture(void);

int msr_fixture(void)
{
    return cs_open(0, 0, 0);
}
