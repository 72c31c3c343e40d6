/* Fixture: SDL in the core, by header and by call. */
#include <SDL2/SDL.h>

void mmu_fixture(void)
{
    SDL_Init(0);
}
